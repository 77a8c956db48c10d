// Test support for seccomp profiles on real containers.

/**
 * What runc's init calls between loading its filter and execve (strace of runc 1.1 `run`, root
 * and uid 1000, with and without noNewPrivileges): the Go runtime's own (futex, epoll_ctl,
 * rt_sigreturn, getpid) and the rest of its set-up. Profiles are written for this, so
 * skiff-init must need no more (seccomp-allowlist.integration.test.ts), and a deny-by-default
 * profile that allows it lets skiff-init reach the program.
 */
export const RUNC_AFTER_FILTER = [
  "capget", "capset", "chdir", "close", "epoll_ctl", "execve", "faccessat2", "fchown", "fcntl", "fstat", "fstatfs", "futex",
  "getcwd", "getdents64", "getpid", "getppid", "newfstatat", "openat", "prctl", "read", "rt_sigreturn", "setgid", "setgroups",
  "setuid", "write",
];
