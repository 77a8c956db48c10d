#!/bin/bash
# PID 1 of the plain-script guest mode (skiff.mode=script): no systemd, no D-Bus; the command runs
# in the root cgroup of a pure cgroup v2 host. Mounts what a minimal init would, runs the
# command from the results share, powers off.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
ln -sf /proc/self/fd /dev/fd 2>/dev/null
hostname skiff-guest
ip link set lo up 2>/dev/null || busybox ip link set lo up
# systemd loads these at boot (modprobe@loop.service, modprobe@fuse.service): the io throttle
# tests make a loop device; podman's storage on the guest's overlay root needs fuse-overlayfs.
modprobe loop 2>/dev/null
modprobe fuse 2>/dev/null
export HOME=/root
cd /
bash /mnt/skiff-guest/command >>/mnt/skiff-guest/output 2>&1
sync
echo o >/proc/sysrq-trigger
