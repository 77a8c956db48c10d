#!/usr/bin/env bash
# npm run build: compile native/, precompile the config validators, type-check (and emit the
# Node fallback in dist/node), and bundle dist/skiff (Bun, skiff-init embedded).
# --bytecode ships JSC bytecode instead of source, --splitting keeps every dynamically imported
# part (each command's work, yargs for help and errors, the validators, libseccomp) in chunks of
# their own that load only when used (start-up figures: docs/architecture.md).
# --compile-jit-policy=1000 raises JSC's tier-up thresholds a thousandfold: a command lives too
# short for the optimising JITs (DFG/FTL) to pay back their compile time and the compiler code
# they page in (figures: docs/architecture.md).
# --no-compile-autoload-bunfig/-dotenv: by default a compiled Bun program reads bunfig.toml (whose
# `preload` runs a script) and .env from its working directory; a runtime run as root, often in
# a bundle directory or /tmp, must take neither code nor settings from there.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v musl-gcc >/dev/null || bash scripts/install-deps.sh # skiff-init is built with musl-gcc
make -s -C native
node scripts/gen-validators.mjs
npx tsc  # type-check, and emit dist/node (the Node fallback entry: dist/node/src/main-node.js)
mkdir -p dist
# src/platform/ffi-bun.ts passes bun:ffi's FFIType numbers to Bun.FFI itself: refuse a Bun whose enum moved.
npx bun -e 'import { FFIType } from "bun:ffi"; import { FFI_TYPE } from "./src/platform/ffi-bun.ts"; for (const [name, n] of Object.entries(FFI_TYPE)) if (FFIType[name] !== n) { console.error(`bun:ffi FFIType.${name} is ${FFIType[name]}, not ${n}: update src/platform/ffi-bun.ts`); process.exit(1); }'
npx bun build --compile --no-compile-autoload-bunfig --no-compile-autoload-dotenv --compile-jit-policy=1000 --minify --bytecode --splitting --format=esm src/main-bun.ts --outfile dist/skiff >/dev/null
echo "built dist/skiff"
