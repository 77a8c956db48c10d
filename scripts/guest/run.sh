#!/usr/bin/env bash
# Runs one command inside the test guest (a QEMU VM booting Debian's kernel with pure cgroup v2,
# the host's / read-only under a RAM overlay) and exits with its status.
#   scripts/guest/run.sh [--mode systemd|script] [--cgroups v2|hybrid|v1] [--timeout SECONDS] [--keep DIR] [--] COMMAND [ARG...]
#   --mode systemd   (default) systemd is PID 1 and the command runs as skiff-guest.service
#   --mode script    a plain script is PID 1 and the command runs in the root cgroup
#   --cgroups hybrid systemd mounts the v1 controllers and a controller-less cgroup2 tree at
#                    /sys/fs/cgroup/unified (the layout of older hosts); default v2 (pure)
#   --cgroups v1     the same without the cgroup2 tree (systemd's legacy layout, as CentOS 7)
#   --timeout        power the guest off after this long (default 1800); status 124 then
#   --keep DIR       use DIR as the results share and keep it (output, console.log, status)
# The command runs as root in the current directory with this PATH and any SKIFF_*, RUNTIME,
# DEBUG and CI variables; its output streams here. Example:
#   scripts/guest/run.sh npx vitest run src/cgroups/cgroups-v2.integration.test.ts
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=systemd cgroups=v2 timeout=1800 keep=
while (($#)); do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --cgroups) cgroups=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
(($#)) || { sed -n '2,14p' "$0" >&2; exit 2; }
case "$mode" in systemd | script) ;; *) echo "run.sh: --mode must be systemd or script" >&2; exit 2 ;; esac
case "$mode/$cgroups" in */v2 | systemd/hybrid | systemd/v1) ;; *) echo "run.sh: --cgroups must be v2, or hybrid or v1 with --mode systemd (systemd mounts the v1 hierarchies)" >&2; exit 2 ;; esac

bash "$here/build.sh"
cache=$(cd "${SKIFF_GUEST_CACHE:-$here/../../dist/guest}" && pwd)
version=$(cat "$cache/kernel.version")

qemu=
cleanup() {
  [ -n "$qemu" ] && kill "$qemu" 2>/dev/null
  [ -n "$keep" ] || rm -rf "$results"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -n "$keep" ]; then
  mkdir -p "$keep"
  results=$(cd "$keep" && pwd)
  rm -f "$results"/{command,output,status,console.log}
else
  results=$(mktemp -d /tmp/skiff-guest-results.XXXXXX)
fi

{
  echo "cd $(printf %q "$PWD") || exit 1"
  echo "export PATH=$(printf %q "$PATH")"
  while IFS= read -r name; do
    echo "export $name=$(printf %q "${!name}")"
  done < <(compgen -e | grep -E '^(SKIFF_.*|RUNTIME|DEBUG|CI)$' || true)
  printf '%q ' "$@"
  echo
  echo 'echo $? >/mnt/skiff-guest/status'
} >"$results/command"
: >"$results/output"

# TCG, the emulator: this CI host's /dev/kvm (nested) cannot run the guest (it rejects MSRs with
# -cpu max and hangs in the BIOS with -cpu host), so we never try it.
case "$cgroups" in
  v2) layout="systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all" ;;
  hybrid) layout="systemd.unified_cgroup_hierarchy=0" ;;
  v1) layout="systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1" ;;
esac
cmdline="console=ttyS0 panic=-1 $layout"
cmdline+=" skiff.mode=$mode skiff.modules=$cache/kernel/lib/modules/$version"
[ "$mode" = systemd ] && cmdline+=" systemd.unit=skiff-guest.service systemd.show_status=0"

timeout -k 10 "$timeout" qemu-system-x86_64 \
  -nodefaults -no-user-config -nographic -no-reboot \
  -accel tcg,thread=multi -cpu max -smp 2 -m 4096 \
  -kernel "$cache/kernel/boot/vmlinuz-$version" -initrd "$cache/initrd.gz" -append "$cmdline" \
  -serial "file:$results/console.log" -monitor none \
  -fsdev local,id=hostroot,path=/,security_model=passthrough,readonly=on,multidevs=remap \
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
  -fsdev local,id=results,path="$results",security_model=passthrough \
  -device virtio-9p-pci,fsdev=results,mount_tag=results \
  2> >(grep -v '^qemu-system-x86_64: warning' >&2) &
qemu=$!
tail -n +1 -f --pid=$qemu "$results/output" 2>/dev/null &
tailer=$!
qemu_rc=0
wait $qemu || qemu_rc=$?
qemu=
wait $tailer || true

if [ -s "$results/status" ]; then
  exit "$(cat "$results/status")"
fi
echo "run.sh: the guest ended without the command's status (qemu exit $qemu_rc); its console:" >&2
tail -n 40 "$results/console.log" >&2
[ "$qemu_rc" -eq 124 ] && exit 124
exit 125
