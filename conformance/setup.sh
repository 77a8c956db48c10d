#!/bin/sh
# Prepares what the conformance suite needs besides the runtime under test: Debian's static
# busybox (the rootfs's shell and tools) and the static probe program built from probe.c.
# Idempotent; run.ts calls it when conformance/build/probe is missing or older than probe.c.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build="$here/build"
mkdir -p "$build"

if ! file_is_static=$(file -b /bin/busybox 2>/dev/null) || ! echo "$file_is_static" | grep -q 'statically linked'; then
  echo "setup: installing busybox-static" >&2
  apt-get install -y busybox-static >&2
fi

if ! command -v gcc >/dev/null 2>&1; then
  echo "setup: installing gcc and libc6-dev" >&2
  apt-get install -y gcc libc6-dev >&2
fi

gcc -static -O2 -Wall -Wextra -Werror -o "$build/probe.tmp" "$here/probe.c"
mv "$build/probe.tmp" "$build/probe"
echo "setup: built $build/probe" >&2
