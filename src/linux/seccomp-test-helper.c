// Test-only: loads a BPF program exported by compileSeccomp, as skiff-init does, then makes
// syscalls and prints what the kernel answered, one "call=result errno" line each.
// Usage: seccomp-test-helper BPF_FILE FLAGS DIR_TO_MKDIR [CALL...]
// mkdir DIR and getcwd always run. Each CALL is [ABI:]NR[/ARG0]: a raw syscall on the x86_64
// ABI, or on "x32" (NR with bit 30 set) or "i386" (int $0x80, as a 32-bit program would).
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static long i386_syscall(long nr, long arg0) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(arg0) : "memory");
  return ret;
}

static void call(const char *spec) {
  const char *p = spec;
  int abi = 0; // 0 x86_64, 1 x32, 2 i386
  if (strncmp(p, "x32:", 4) == 0) abi = 1, p += 4;
  else if (strncmp(p, "i386:", 5) == 0) abi = 2, p += 5;
  char *end;
  long nr = strtol(p, &end, 0);
  long arg0 = *end == '/' ? strtol(end + 1, NULL, 0) : 0;
  long r;
  int err = 0;
  errno = 0;
  if (abi == 2) {
    r = i386_syscall(nr, arg0);
    if (r < 0 && r > -4096) err = -r, r = -1;
  } else {
    r = syscall(abi == 1 ? nr | 0x40000000 : nr, arg0, 0, 0, 0, 0, 0);
    if (r < 0) err = errno;
  }
  printf("%s=%d %d\n", spec, r < 0 ? -1 : 0, err);
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  static unsigned char bpf[1 << 20];
  int fd = open(argv[1], O_RDONLY);
  ssize_t n = read(fd, bpf, sizeof bpf);
  if (fd < 0 || n <= 0 || n % sizeof(struct sock_filter) != 0) return 3;
  struct sock_fprog prog = { .len = n / sizeof(struct sock_filter), .filter = (struct sock_filter *)bpf };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 4;
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, strtoul(argv[2], NULL, 0), &prog);
  if (rc < 0) {
    printf("seccomp=-1 %d\n", errno);
    return 5;
  }
  errno = 0;
  int r = mkdir(argv[3], 0700);
  printf("mkdir=%d %d\n", r, r < 0 ? errno : 0);
  char cwd[4096];
  errno = 0;
  char *c = getcwd(cwd, sizeof cwd);
  printf("getcwd=%d %d\n", c ? 0 : -1, c ? 0 : errno);
  for (int i = 4; i < argc; i++) call(argv[i]);
  fflush(stdout);
  return 0;
}
