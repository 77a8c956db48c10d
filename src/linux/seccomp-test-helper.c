// Test-only: loads a BPF program exported by compileSeccomp, as the executor will, then makes
// a few syscalls and prints what the kernel answered, one "name=result errno" line each.
// Usage: seccomp-test-helper BPF_FILE FLAGS DIR_TO_MKDIR [UMASK...]
// umask takes one argument and cannot fail, so it shows argument conditions plainly.
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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
  for (int i = 4; i < argc; i++) {
    errno = 0;
    long m = syscall(SYS_umask, strtoul(argv[i], NULL, 0));
    printf("umask(%s)=%d %d\n", argv[i], m < 0 ? -1 : 0, m < 0 ? errno : 0);
  }
  fflush(stdout);
  return 0;
}
