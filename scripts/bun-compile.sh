#!/usr/bin/env bash
# bun-compile.sh ENTRY OUT: one TypeScript entry compiled into a standalone executable the way
# dist/skiff is (scripts/build.sh); the bench builds its yardsticks (a hello world, the least a
# `state` can be) with it so that they differ from skiff in their code alone.
# --bytecode ships JSC bytecode instead of source, --splitting keeps every dynamically imported
# part in a chunk of its own that loads only when used (start-up figures: docs/architecture.md).
# --compile-jit-policy=1000 raises JSC's tier-up thresholds a thousandfold: a command lives too
# short for the optimising JITs (DFG/FTL) to pay back their compile time and the compiler code
# they page in (figures: docs/architecture.md).
# --no-compile-autoload-bunfig/-dotenv: by default a compiled Bun program reads bunfig.toml (whose
# `preload` runs a script) and .env from its working directory; a runtime run as root, often in
# a bundle directory or /tmp, must take neither code nor settings from there.
set -euo pipefail
npx bun build --compile --no-compile-autoload-bunfig --no-compile-autoload-dotenv --compile-jit-policy=1000 --minify --bytecode --splitting --format=esm "$1" --outfile "$2" >/dev/null
