#!/usr/bin/env bash
# Builds what the test guest boots, into $SKIFF_GUEST_CACHE (default dist/guest, ignored by git),
# and reuses it on later runs: a no-op when everything is there and newer than its sources.
#   kernel/      Debian's linux-image-amd64, unpacked with dpkg-deb -x (never installed) and
#                depmod-ed in place; the guest bind-mounts its lib/modules/<version>
#   initrd.gz    busybox-static, the virtio/9p/overlay modules (modules in Debian's kernel) and
#                init.sh, pid1.sh and skiff-guest.service from this directory
# Prints nothing but errors and what it builds. See docs/test-guest.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${SKIFF_GUEST_CACHE:-$here/../../dist/guest}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
exec 9>"$cache/.lock"
flock 9 # guests started together build once

# qemu-system-x86 (no recommends: no GUI, no firmware beyond SeaBIOS), kmod for depmod/modprobe
# on the unpacked kernel, busybox-static for the initramfs, dbus so that the guest's systemd
# starts a system bus (the systemd cgroup driver talks to it).
bash "$here/../install-deps.sh" --no-install-recommends qemu-system-x86 kmod busybox-static dbus

if [ ! -s "$cache/kernel.version" ]; then
  echo "guest: fetching Debian's linux-image-amd64"
  rm -rf "$cache/kernel" "$cache/debs"
  mkdir -p "$cache/debs"
  image=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$image" ] || { apt-get update -qq; image=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); }
  (cd "$cache/debs" && apt-get download -qq "$image" 2>/dev/null) ||
    { apt-get update -qq && (cd "$cache/debs" && apt-get download -qq "$image"); }
  dpkg-deb -x "$cache"/debs/"$image"_*.deb "$cache/kernel"
  rm -rf "$cache/debs"
  version=$(ls "$cache/kernel/lib/modules")
  depmod -b "$cache/kernel" "$version" # Debian generates modules.dep at install time; we never install
  echo "$version" >"$cache/kernel.version"
fi
version=$(cat "$cache/kernel.version")

initrd=$cache/initrd.gz
stale=0
[ -s "$initrd" ] || stale=1
for f in "$here/init.sh" "$here/pid1.sh" "$here/skiff-guest.service" "$here/build.sh" "$cache/kernel.version"; do
  [ "$f" -nt "$initrd" ] && stale=1
done
if ((stale)); then
  echo "guest: building the initramfs"
  tree=$(mktemp -d /tmp/skiff-guest-initrd.XXXXXX)
  trap 'rm -rf "$tree"' EXIT
  mkdir -p "$tree"/{bin,dev,proc,sys,modules,guest}
  cp /bin/busybox "$tree/bin/busybox"
  mknod -m 600 "$tree/dev/console" c 5 1
  # Each module after those it depends on, once: the order init.sh insmods them in.
  for m in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$cache/kernel" -S "$version" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
  done | awk '!seen[$0]++' | while read -r ko; do
    cp "$ko" "$tree/modules/"
    basename "$ko" >>"$tree/modules/order"
  done
  cp "$here/init.sh" "$tree/init"
  cp "$here/pid1.sh" "$here/skiff-guest.service" "$tree/guest/"
  chmod 755 "$tree/init" "$tree/guest/pid1.sh"
  (cd "$tree" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
fi
