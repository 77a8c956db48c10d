#!/bin/busybox sh
# /init of the test guest's initramfs (busybox). Mounts the host's / read-only over virtio-9p
# under a tmpfs overlay (the guest can never change the host; what it writes lives in RAM),
# mounts the writable results share at /mnt/skiff-guest, and switch_roots into systemd, or into
# pid1.sh for the plain-script mode. Reads from the kernel command line:
#   skiff.mode=systemd|script   what runs as PID 1
#   skiff.modules=<path>        the unpacked kernel's lib/modules/<version> on the host
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
  echo "skiff-guest init: $*" >&2
  echo o >/proc/sysrq-trigger # power off: the host sees no status file and reports the failure
  sleep 60
}

mode=systemd modules=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    skiff.mode=*) mode=${arg#skiff.mode=} ;;
    skiff.modules=*) modules=${arg#skiff.modules=} ;;
  esac
done

for ko in $(cat /modules/order); do
  insmod "/modules/$ko" || fail "insmod $ko"
done

mkdir -p /lower /rw /newroot
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose hostroot /lower ||
  fail "mount the host's / (9p tag hostroot)"
mount -t tmpfs -o mode=0755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
  fail "mount the overlay"

# /.dockerenv (present on this CI image) makes systemd believe it runs in a container and ignore
# the cgroup options on the command line; Debian's tmpfiles.d/tmp.conf would wipe /tmp at boot.
rm -f /newroot/.dockerenv
ln -sf /dev/null /newroot/etc/tmpfiles.d/tmp.conf

version=$(uname -r)
if [ -n "$modules" ]; then
  mkdir -p "/newroot/lib/modules/$version"
  mount --bind "/newroot$modules" "/newroot/lib/modules/$version" || fail "bind $modules"
fi

mkdir -p /newroot/mnt/skiff-guest
# No cache: every write reaches the host at once, even when the guest powers off hard.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results /newroot/mnt/skiff-guest ||
  fail "mount the results share (9p tag results)"

mkdir -p /newroot/usr/local/lib/skiff-guest
cp /guest/pid1.sh /newroot/usr/local/lib/skiff-guest/
cp /guest/skiff-guest.service /newroot/etc/systemd/system/

umount /proc /sys
mount --move /dev /newroot/dev
case "$mode" in
  systemd) exec switch_root /newroot /lib/systemd/systemd ;;
  script) exec switch_root /newroot /bin/bash /usr/local/lib/skiff-guest/pid1.sh ;;
  *) fail "unknown skiff.mode=$mode" ;;
esac
