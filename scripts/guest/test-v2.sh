#!/usr/bin/env bash
# npm run test:v2: the v2 suite in the test guest (pure cgroup v2, systemd as PID 1, the suite
# run as a systemd service; see docs/test-guest.md). Boots the guest, runs there the integration
# tests that matter on cgroup v2 and the conformance suite against dist/skiff, and prints
# "v2 guest: N passed, N failed, N skipped". Exits non-zero when anything failed.
#   scripts/guest/test-v2.sh [--mode systemd|script] [--cgroups v2|hybrid|v1] [--report DIR] [FILE...]
#   --cgroups hybrid  boot the guest with systemd running the v1 hierarchies (older hosts) and
#                  run HYBRID_SUITE there instead (no conformance suite): "hybrid guest: …";
#                  v1: the same without the cgroup2 tree (by hand; not part of npm test)
#   --report DIR   keep the guest's reports there (vitest.json, conformance.json, console.log,
#                  output); scripts/test.sh reads them for its total
#   FILE...        run only these test files (any, not only the suite's), without the conformance
#                  suite: the guest is slow, so a change is tried on the files it touches
# Assumes dist/skiff is built (npm test builds first; `npm run build` otherwise).
set -uo pipefail
cd "$(dirname "$0")/../.."

# The integration tests that say something about a cgroup v2 host: cgroups, the lifecycle and
# exec (which create cgroups for every container), the commands that work on cgroups, and
# rootless use (a user's delegated subtree and its own systemd).
SUITE=(
  src/cgroups/cgroups.integration.test.ts
  src/cgroups/cgroups-v2.integration.test.ts
  src/cgroups/v2-container.integration.test.ts
  src/cgroups/v2-resources.integration.test.ts
  src/cgroups/systemd.integration.test.ts
  src/cli/podman-systemd.integration.test.ts
  src/cli/cri-systemd.integration.test.ts
  src/cli/containerd.integration.test.ts
  src/cli/cri.integration.test.ts
  src/cli/podman.integration.test.ts
  src/container/cgroup-commands.integration.test.ts
  src/container/lifecycle.integration.test.ts
  src/container/exec.integration.test.ts
  src/container/rootless.integration.test.ts
  src/cli/podman-rootless.integration.test.ts
)

# With systemd running v1 hierarchies (a v1/hybrid host: RHEL 8, Ubuntu 20.04 nodes): the systemd
# driver there, alone and under podman and containerd's CRI (kubelet's systemd driver), and the
# lifecycle, exec and the cgroup commands placed beside a systemd service.
HYBRID_SUITE=(
  src/cgroups/systemd.integration.test.ts
  src/cli/podman-systemd.integration.test.ts
  src/cli/cri-systemd.integration.test.ts
  src/container/cgroup-commands.integration.test.ts
  src/container/lifecycle.integration.test.ts
  src/container/exec.integration.test.ts
)

if [ "${1:-}" = --inside ]; then
  # In the guest: reports go to the results share (docs/test-guest.md).
  shift
  files=("$@")
  ((${#files[@]})) || files=("${SUITE[@]}")
  npx vitest run --project integration "${files[@]}" \
    --reporter=default --reporter=json --outputFile.json=/mnt/skiff-guest/vitest.json
  vitest_rc=$?
  (($#)) && exit "$vitest_rc"
  RUNTIME=dist/skiff npx bun conformance/run.ts --json /mnt/skiff-guest/conformance.json
  conformance_rc=$?
  [ "$vitest_rc" -eq 0 ] && [ "$conformance_rc" -eq 0 ]
  exit
fi

mode=systemd cgroups=v2 report= files=()
while (($#)); do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --cgroups) cgroups=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    -*) echo "test-v2.sh: unknown argument $1" >&2; exit 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ -z "$report" ]; then
  report=$(mktemp -d /tmp/skiff-test-v2.XXXXXX)
  trap 'rm -rf "$report"' EXIT
fi
mkdir -p "$report" && rm -f "$report"/{vitest,conformance}.json # never count an old run's
[ -x dist/skiff ] || { echo "test-v2.sh: dist/skiff is missing: npm run build" >&2; exit 1; }

reports=("$report/vitest.json")
if [ "$cgroups" != v2 ]; then
  ((${#files[@]})) || files=("${HYBRID_SUITE[@]}")
elif ((${#files[@]} == 0)); then
  reports+=("$report/conformance.json")
fi
bash scripts/guest/run.sh --mode "$mode" --cgroups "$cgroups" --timeout 2400 --keep "$report" -- bash scripts/guest/test-v2.sh --inside "${files[@]}"
guest_rc=$?
node scripts/test-counts.mjs "$cgroups guest ($mode)" "${reports[@]}"
exit "$guest_rc"
