#!/usr/bin/env bash
# Installs the Debian packages skiff needs to build, test and benchmark; a no-op when present.
#   busybox-static  the rootfs of the demo, the tests and the conformance suite
#   libseccomp2     linux.seccomp filters are compiled with it (through ffi-rs)
#   gcc, libc6-dev  the conformance probe (static, glibc)
#   musl-tools      the static skiff-init executor (musl-gcc; see native/Makefile)
#   runc, crun      the conformance cross-check and the benchmark baseline
#   hyperfine       the benchmark
#   file            the conformance suite checks its probe is a static binary
#   python3         cgroup tests run /usr/bin/python3 as a memory hog and fork bomb
#   containerd, podman, conmon, catatonit, uidmap: the client tests run the real engines
set -euo pipefail
PACKAGES=(busybox-static libseccomp2 gcc make libc6-dev musl-tools file python3 runc crun hyperfine containerd podman conmon catatonit uidmap)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
