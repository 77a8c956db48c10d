#!/usr/bin/env bash
# npm test: the whole suite on a fresh machine of this kind. Installs the Debian packages it
# needs, builds dist/skiff, checks for dead code (knip), runs the unit and integration tests (vitest, as root, real
# containers) and the OCI conformance suite against dist/skiff here, then the v2 suite in the
# test guest (scripts/guest/test-v2.sh) and its hybrid run, and prints one total line over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1
# A fresh clone has no node_modules yet (README's first command installs them; this one need not
# come after it).
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1
npm run -s build || exit 1

# Dead code: exports, types and files nothing uses, and duplicate exports (knip, knip.json).
npm run -s deadcode
deadcode_rc=$?

report=$(mktemp -d /tmp/skiff-test-report.XXXXXX)
trap 'rm -rf "$report"' EXIT
npx vitest run --reporter=default --reporter=json --outputFile.json="$report/vitest.json"
vitest_rc=$?
RUNTIME=dist/skiff npx bun conformance/run.ts --json "$report/conformance.json"
conformance_rc=$?

# The v2 suite in the QEMU test guest: pure cgroup v2 with systemd (docs/test-guest.md); then
# the guest with systemd running v1 hierarchies, for the systemd driver on older hosts.
bash scripts/guest/test-v2.sh --report "$report/guest"
guest_rc=$?
bash scripts/guest/test-v2.sh --cgroups hybrid --report "$report/hybrid"
hybrid_rc=$?

# The benchmark as a report (few rounds, no engines): printed, never failing the run.
BENCH_RUNS=5 BENCH_BURST=10 BENCH_ENGINES=0 bash scripts/bench.sh || echo "npm run bench failed (a report only: not counted)"

node scripts/test-counts.mjs total "$report/vitest.json" "$report/conformance.json" "$report/guest/vitest.json" "$report/guest/conformance.json" "$report/hybrid/vitest.json"
[ "$deadcode_rc" -eq 0 ] && [ "$vitest_rc" -eq 0 ] && [ "$conformance_rc" -eq 0 ] && [ "$guest_rc" -eq 0 ] && [ "$hybrid_rc" -eq 0 ]
