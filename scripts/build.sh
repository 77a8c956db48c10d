#!/usr/bin/env bash
# npm run build: compile native/, precompile the config validators, type-check (and emit the
# Node fallback in dist/node), and bundle dist/skiff (Bun, skiff-init embedded; the flags and why
# in scripts/bun-compile.sh). Each command's work, yargs for help and errors, the validators and
# libseccomp are dynamically imported: chunks of their own, loaded only when used.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v musl-gcc >/dev/null || bash scripts/install-deps.sh # skiff-init is built with musl-gcc
make -s -C native
node scripts/gen-validators.mjs
npx tsc  # type-check, and emit dist/node (the Node fallback entry: dist/node/src/main-node.js)
mkdir -p dist
# src/platform/ffi-bun.ts passes bun:ffi's FFIType numbers to Bun.FFI itself: refuse a Bun whose enum moved.
npx bun -e 'import { FFIType } from "bun:ffi"; import { FFI_TYPE } from "./src/platform/ffi-bun.ts"; for (const [name, n] of Object.entries(FFI_TYPE)) if (FFIType[name] !== n) { console.error(`bun:ffi FFIType.${name} is ${FFIType[name]}, not ${n}: update src/platform/ffi-bun.ts`); process.exit(1); }'
bash scripts/bun-compile.sh src/main-bun.ts dist/skiff
echo "built dist/skiff"
