#!/usr/bin/env bash
# make-bundle.sh DIR [ARGS...]: an OCI bundle in DIR with a busybox rootfs and the default
# config from `skiff spec`, running ARGS (default: sh) without a terminal.
set -euo pipefail
dir=$1; shift
skiff=${SKIFF:-$(dirname "$0")/../dist/skiff}
mkdir -p "$dir/rootfs"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$dir/rootfs/bin/busybox"
for applet in $("$dir/rootfs/bin/busybox" --list); do
  [ -e "$dir/rootfs/bin/$applet" ] || ln -s busybox "$dir/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/rootfs/etc/group"
rm -f "$dir/config.json"
"$skiff" spec --bundle "$dir"
if (($#)); then
  args=$(printf '%s\n' "$@" | node -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(0,"utf8").trim().split("\n")))')
else
  args='["sh"]'
fi
node -e '
const fs = require("fs"); const f = process.argv[1];
const c = JSON.parse(fs.readFileSync(f, "utf8"));
c.process.terminal = false; c.process.args = JSON.parse(process.argv[2]);
fs.writeFileSync(f, JSON.stringify(c, null, 2));' "$dir/config.json" "$args"
