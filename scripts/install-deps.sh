#!/usr/bin/env bash
# Installs Debian packages when missing; a no-op when all are present.
#   scripts/install-deps.sh                      what skiff needs to build, test and benchmark:
#   busybox-static  the rootfs of the demo, the tests and the conformance suite
#   libseccomp2     linux.seccomp filters are compiled with it (through ffi-rs)
#   gcc, libc6-dev  the conformance probe (static, glibc)
#   musl-tools      the static skiff-init executor (musl-gcc; see native/Makefile)
#   runc, crun      the conformance cross-check and the benchmark baseline
#   hyperfine       the benchmark
#   file            the conformance suite checks its probe is a static binary
#   python3         cgroup tests run /usr/bin/python3 as a memory hog and fork bomb
#   containerd, podman, conmon, catatonit, uidmap: the client tests run the real engines
#   dbus            the systemd driver's D-Bus client is tested against a private dbus-daemon
#   scripts/install-deps.sh [--no-install-recommends] PACKAGE...   those packages instead
#                                                (scripts/guest/build.sh: what the test guest needs)
set -euo pipefail
apt_options=()
if [ "${1:-}" = --no-install-recommends ]; then
  apt_options+=(--no-install-recommends)
  shift
fi
if (($#)); then
  packages=("$@")
else
  packages=(busybox-static libseccomp2 gcc make libc6-dev musl-tools file python3 runc crun hyperfine containerd podman conmon catatonit uidmap acl dbus)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Helpers building at once wait for each other's dpkg lock rather than fail on it.
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${apt_options[@]}" "${missing[@]}" >/dev/null
fi
