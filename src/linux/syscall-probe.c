// Test-only: run inside a container (static, for the busybox rootfs) under the filter skiff-init
// loaded; makes the syscalls named in argv and prints what the kernel answered, one
// "CALL=RESULT ERRNO" line each (RESULT 0 or -1). It loads nothing itself.
// CALL is mkdir (of "/": EEXIST when it reaches the kernel), getcwd, or [ABI:]NR[/ARG0]: a raw
// syscall on the x86_64 ABI, or on "x32" (NR with bit 30 set) or "i386" (int $0x80, as a 32-bit
// program would). Startup and output need only arch_prctl, set_tid_address, write, exit_group.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long i386_syscall(long nr, long arg0) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(arg0) : "memory");
  return ret;
}

/* The kernel's answer to one CALL: 0 or -errno. */
static long call(const char *spec) {
  char buf[4096];
  if (strcmp(spec, "mkdir") == 0) return syscall(SYS_mkdir, "/", 0700) < 0 ? -errno : 0;
  if (strcmp(spec, "getcwd") == 0) return syscall(SYS_getcwd, buf, sizeof buf) < 0 ? -errno : 0;
  const char *p = spec;
  int abi = 0; /* 0 x86_64, 1 x32, 2 i386 */
  if (strncmp(p, "x32:", 4) == 0) abi = 1, p += 4;
  else if (strncmp(p, "i386:", 5) == 0) abi = 2, p += 5;
  char *end;
  long nr = strtol(p, &end, 0);
  long arg0 = *end == '/' ? strtol(end + 1, NULL, 0) : 0;
  if (abi == 2) {
    long r = i386_syscall(nr, arg0);
    return r < 0 && r > -4096 ? r : 0;
  }
  return syscall(abi == 1 ? nr | 0x40000000 : nr, arg0, 0, 0, 0, 0, 0) < 0 ? -errno : 0;
}

int main(int argc, char **argv) {
  char line[256];
  for (int i = 1; i < argc; i++) {
    long r = call(argv[i]);
    int n = snprintf(line, sizeof line, "%s=%d %ld\n", argv[i], r < 0 ? -1 : 0, -r);
    if (write(1, line, n) != n) return 1;
  }
  return 0;
}
