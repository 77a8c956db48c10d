#!/usr/bin/env bash
# npm run bench: dist/skiff against Debian's runc (and crun where it runs on this host) on one
# busybox bundle running `true`, interleaved in one hyperfine run, plus the cost of `state`.
# Prints each median and the ratios to runc.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -x dist/skiff ] || npm run -s build
work=$(mktemp -d /tmp/skiff-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
bash scripts/make-bundle.sh "$work/bundle" true >/dev/null
skiff=$PWD/dist/skiff
runs=${BENCH_RUNS:-30}

cmds=(-n skiff-run "$skiff --root $work/skiff run --bundle $work/bundle b-skiff"
      -n runc-run "runc --root $work/runc run --bundle $work/bundle b-runc")
if crun --root "$work/crun" run --bundle "$work/bundle" b-crun-probe >/dev/null 2>&1; then
  cmds+=(-n crun-run "crun --root $work/crun run --bundle $work/bundle b-crun")
else
  echo "crun cannot run containers on this host (see REFERENCE.md: hybrid cgroups); left out"
fi
# A created container for the `state` comparison.
"$skiff" --root "$work/skiff" create --bundle "$work/bundle" s-skiff
runc --root "$work/runc" create --bundle "$work/bundle" s-runc
cmds+=(-n skiff-state "$skiff --root $work/skiff state s-skiff" -n runc-state "runc --root $work/runc state s-runc")

hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/bench.json" "${cmds[@]}" >/dev/null
# What a created container costs while it waits for `start`: the resident memory of its init.
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
skiff_rss=$(rss "$("$skiff" --root "$work/skiff" state s-skiff | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')")
runc_rss=$(rss "$(runc --root "$work/runc" state s-runc | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')")
"$skiff" --root "$work/skiff" delete --force s-skiff
runc --root "$work/runc" delete --force s-runc

node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
const med = Object.fromEntries(r.map((x) => [x.command, x.median * 1000]));
console.log(`benchmark (${new Date().toISOString().slice(0, 10)}, ${require("os").cpus().length} cores, kernel ${require("os").release()}), median of ${r[0].times.length} runs:`);
for (const [name, ms] of Object.entries(med)) console.log(`  ${name.padEnd(12)} ${ms.toFixed(1).padStart(7)} ms`);
const ratio = (a, b) => (med[a] / med[b]).toFixed(2);
console.log(`  skiff run / runc run     = ${ratio("skiff-run", "runc-run")}`);
if (med["crun-run"]) console.log(`  skiff run / crun run     = ${ratio("skiff-run", "crun-run")}`);
console.log(`  skiff state / runc state = ${ratio("skiff-state", "runc-state")}`);
console.log(`  waiting init RSS: skiff ${process.argv[2]} kB, runc ${process.argv[3]} kB`);
' "$work/bench.json" "$skiff_rss" "$runc_rss"
