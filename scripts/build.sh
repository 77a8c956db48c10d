#!/usr/bin/env bash
# npm run build: type-check, compile native/, precompile the config validators, bundle dist/skiff.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C native
node scripts/gen-validators.mjs
npx tsc --noEmit
mkdir -p dist
npx bun build --compile --minify --sourcemap=none src/main-bun.ts --outfile dist/skiff >/dev/null
echo "built dist/skiff"
