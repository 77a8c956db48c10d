#!/usr/bin/env bash
# npm run bench: dist/skiff against Debian's runc (and crun where it runs on this host) on one
# busybox bundle running `true`, interleaved round by round (bench/interleave.mjs), plus the cost
# of `state` and the memory of a created container's waiting init. Prints medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -x dist/skiff ] || npm run -s build
work=$(mktemp -d /tmp/skiff-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
bash scripts/make-bundle.sh "$work/bundle" true >/dev/null
skiff=$PWD/dist/skiff
rounds=${BENCH_RUNS:-40}

runs=("skiff-run=$skiff --root $work/skiff run --bundle $work/bundle b-skiff-{i}"
      "runc-run=$(command -v runc) --root $work/runc run --bundle $work/bundle b-runc-{i}")
if crun --root "$work/crun" run --bundle "$work/bundle" b-crun-probe >/dev/null 2>&1; then
  runs+=("crun-run=$(command -v crun) --root $work/crun run --bundle $work/bundle b-crun-{i}")
else
  echo "crun cannot run containers on this host (it refuses hybrid cgroup hosts); left out"
fi
# A created container for `state`, and the memory its waiting init holds.
"$skiff" --root "$work/skiff" create --bundle "$work/bundle" s-skiff
runc --root "$work/runc" create --bundle "$work/bundle" s-runc
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
skiff_rss=$(rss "$("$skiff" --root "$work/skiff" state s-skiff | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')")
runc_rss=$(rss "$(runc --root "$work/runc" state s-runc | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')")
states=("skiff-state=$skiff --root $work/skiff state s-skiff" "runc-state=$(command -v runc) --root $work/runc state s-runc")

node bench/interleave.mjs 3 "${runs[@]}" >/dev/null # warm-up
run_json=$(node bench/interleave.mjs "$rounds" "${runs[@]}")
state_json=$(node bench/interleave.mjs "$rounds" "${states[@]}")
"$skiff" --root "$work/skiff" delete --force s-skiff
runc --root "$work/runc" delete --force s-runc

node -e '
const r = { ...JSON.parse(process.argv[1]), ...JSON.parse(process.argv[2]) };
const os = require("os");
console.log(`benchmark (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, kernel ${os.release()}), ${process.argv[3]} interleaved rounds, median [p25-p75]:`);
for (const [name, s] of Object.entries(r)) console.log(`  ${name.padEnd(12)} ${s.median.toFixed(1).padStart(7)} ms  [${s.p25.toFixed(1)}-${s.p75.toFixed(1)}]`);
const ratio = (a, b) => (r[a].median / r[b].median).toFixed(2);
console.log(`  skiff run / runc run     = ${ratio("skiff-run", "runc-run")}`);
if (r["crun-run"]) console.log(`  skiff run / crun run     = ${ratio("skiff-run", "crun-run")}`);
console.log(`  skiff state / runc state = ${ratio("skiff-state", "runc-state")}`);
console.log(`  waiting init RSS: skiff ${process.argv[4]} kB, runc ${process.argv[5]} kB`);
' "$run_json" "$state_json" "$rounds" "$skiff_rss" "$runc_rss"
