#!/usr/bin/env bash
# npm run build: compile native/, precompile the config validators, type-check, and bundle
# dist/skiff (Bun, skiff-init embedded). --bytecode ships JSC bytecode instead of source: it
# takes start-up from ~36 ms to ~12 ms, and needs CommonJS output; yargs' one use of
# import.meta.resolve (config "extends", which skiff never uses) is mapped to require.resolve.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C native
node scripts/gen-validators.mjs
npx tsc  # type-check, and emit dist/node (the Node fallback entry: dist/node/src/main-node.js)
mkdir -p dist
npx bun build --compile --minify --bytecode --format=cjs --define 'import.meta.resolve=require.resolve' \
  src/main-bun.ts --outfile dist/skiff >/dev/null
echo "built dist/skiff"
