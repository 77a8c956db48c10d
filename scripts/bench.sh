#!/usr/bin/env bash
# npm run bench: dist/skiff against Debian's runc and crun on one busybox bundle running `true`,
# every lifecycle path, bursts, and (unless BENCH_ENGINES=0) through containerd and podman; one
# table (bench/bench.ts has the knobs). All three runtimes see one cgroup view: crun refuses a
# hybrid host's /sys/fs/cgroup/unified, so on such a host the bench re-runs itself in a private
# mount namespace where that one mount is gone (the machine's own mounts are untouched).
# SKIFF=path benches another skiff binary.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SKIFF_BENCH_NS:-}" ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
  exec env SKIFF_BENCH_NS=1 unshare -m --propagation private bash -c 'umount /sys/fs/cgroup/unified && exec bash scripts/bench.sh'
fi
bash scripts/install-deps.sh
[ -x dist/skiff ] || npm run -s build
work=$(mktemp -d /tmp/skiff-bench.XXXXXX)
skiff=${SKIFF:-$PWD/dist/skiff}
# A bench that fails half-way leaves no container behind (each runtime keeps its state in $work/NAME).
cleanup() {
  local name bin id
  for name in skiff runc crun; do
    bin=$work/bin/$name
    [ -x "$bin" ] || continue
    for id in $(ls "$work/$name" 2>/dev/null); do "$bin" --root "$work/$name" delete --force "$id" >/dev/null 2>&1 || true; done
  done
  rm -rf "$work"
}
trap cleanup EXIT
bash scripts/make-bundle.sh "$work/bundle" true >/dev/null
# crun 1.8.1 refuses the ociVersion `skiff spec` writes (1.3.0); nothing in the config is newer than 1.0.
sed -i 's/"ociVersion": "[^"]*"/"ociVersion": "1.0.2"/' "$work/bundle/config.json"
musl-gcc -O2 -static -o "$work/measure" bench/measure.c
# The engine's floor: the smallest compiled Bun program, and the least a `state` written for Bun
# can be (bench/floor-state.ts), both built as dist/skiff is.
echo 'console.log("hello")' >"$work/hello.ts"
bash scripts/bun-compile.sh "$work/hello.ts" "$work/hello"
bash scripts/bun-compile.sh bench/floor-state.ts "$work/floor-state"

# Every runtime runs from a fresh copy in $work, as the hello world is freshly built there: how
# much of a binary the page cache holds, and in what folio sizes, moves a 5 ms command by a
# millisecond or two and its RSS by megabytes (a binary written minutes ago faults in large
# folios; one partly reclaimed since faults page by page), so all start equal.
mkdir "$work/bin"
cp "$skiff" "$work/bin/skiff"
cp "$(command -v runc)" "$work/bin/runc"
cp "$(command -v crun)" "$work/bin/crun"
runtimes="skiff=$work/bin/skiff,runc=$work/bin/runc"
if "$work/bin/crun" --root "$work/crun-probe" run --bundle "$work/bundle" probe >/dev/null 2>&1; then
  runtimes+=",crun=$work/bin/crun"
else
  echo "crun cannot run containers here; left out"
fi
npx bun bench/bench.ts "$work/measure" "$work" "$work/bundle" "$work/hello" "$work/floor-state" "$runtimes"
