#!/usr/bin/env bash
# npm run bench:guest: what `npm run bench` cannot show on a host without systemd — `run` of
# busybox `true` with the systemd cgroup driver (kubelet's and podman's on real hosts) and with
# cgroupfs, skiff against runc, interleaved, in the test guest (pure cgroup v2, systemd as PID 1;
# docs/test-guest.md). The guest is emulated: compare the runtimes with each other, not the
# milliseconds with the host's. BENCH_RUNS rounds (default 12); SKIFF=path benches another build.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = --inside ]; then
  work=$2
  for i in $(seq 1 "$3"); do
    for rt in skiff runc; do
      echo "$rt cgroupfs $("$work/measure" "$work/$rt" --root "/run/bench-$rt" run --bundle "$work/bundle" "c$i")"
      echo "$rt systemd $("$work/measure" "$work/$rt" --systemd-cgroup --root "/run/bench-$rt" run --bundle "$work/bundle-$rt-systemd" "s$i")"
    done
  done >"$work/times"
  # median wall time of each runtime and driver; a failed run (status ≠ 0) is reported, not timed
  node -e '
    const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" "));
    const groups = new Map();
    for (const [rt, driver, status, wall] of rows) {
      const key = `${driver} ${rt}`;
      if (!groups.has(key)) groups.set(key, { ms: [], failed: 0 });
      if (status === "0") groups.get(key).ms.push(Number(wall) / 1000);
      else groups.get(key).failed++;
    }
    const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
    for (const [key, g] of [...groups].sort()) console.log(`${key.padEnd(15)} median ${median(g.ms).toFixed(1)} ms over ${g.ms.length} runs${g.failed ? `, ${g.failed} failed` : ""}`);
  ' "$work/times"
  exit
fi
bash scripts/install-deps.sh
[ -x dist/skiff ] || npm run -s build
work=$(mktemp -d /tmp/skiff-bench-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT
bash scripts/make-bundle.sh "$work/bundle" true >/dev/null
musl-gcc -O2 -static -o "$work/measure" bench/measure.c
cp "${SKIFF:-dist/skiff}" "$work/skiff"
cp "$(command -v runc)" "$work/runc"
for rt in skiff runc; do
  # a scope of its own per runtime; runc wants the rootfs as an absolute path that is no symlink
  mkdir "$work/bundle-$rt-systemd"
  node -e '
    const fs = require("fs"); const [src, dst, rootfs, path] = process.argv.slice(1);
    const c = JSON.parse(fs.readFileSync(src, "utf8"));
    c.root.path = rootfs; c.linux.cgroupsPath = path;
    fs.writeFileSync(dst, JSON.stringify(c));' "$work/bundle/config.json" "$work/bundle-$rt-systemd/config.json" "$work/bundle/rootfs" "system.slice:bench:$rt"
done
bash scripts/guest/run.sh --timeout 1200 -- bash scripts/guest/bench-drivers.sh --inside "$work" "${BENCH_RUNS:-12}"
