#!/usr/bin/env bash
# npm run demo: install what is missing, build dist/skiff, run a busybox container that shows
# its hostname, its identity and that it is PID 1 of its own pid namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run -s build
bundle=$(mktemp -d /tmp/skiff-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
bash scripts/make-bundle.sh "$bundle" sh -c 'echo "hostname: $(hostname)"; id; echo "my pid: $$"; ps'
echo "--- skiff run demo-$$ (bundle $bundle)"
./dist/skiff --root /run/skiff run --bundle "$bundle" "demo-$$"
