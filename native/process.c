/*
 * The process: namespaces and the fork of the init (both run in the helper), then the init's
 * session, names, working directory, scheduling, and the road to execve — the program found on
 * PATH, fds marked close-on-exec, "ready", the wait for `start`, "started".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "executor.h"

/* The program's path, found by OP_RESOLVE_EXEC and run by OP_EXEC. */
static char exec_path[4096];

/* ---- namespaces and the fork ---- */

void op_setns(const struct step *s) {
  int fd = open(s->strs[0], O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open namespace %s", s->strs[0]);
  if (setns(fd, (int)s->ints[0]) < 0) fail(errno, "setns %s", s->strs[0]);
  close(fd);
}

/* The parent writes the new namespace's id maps, then we become its root. */
void op_unshare_user(const struct step *s UNUSED) {
  if (unshare(CLONE_NEWUSER) < 0) fail(errno, "unshare user namespace");
  send_msg(MSG_MAPS, getpid(), 0, NULL);
  wait_ack();
  if (setresgid(0, 0, 0) < 0) fail(errno, "setresgid 0 in the user namespace");
  if (setresuid(0, 0, 0) < 0) fail(errno, "setresuid 0 in the user namespace");
}

void op_unshare(const struct step *s) {
  if (unshare((int)s->ints[0]) < 0) fail(errno, "unshare 0x%llx", (unsigned long long)s->ints[0]);
}

/* clone3(2)'s arguments (linux/sched.h, Linux 5.7), spelled out: musl has no wrapper. */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* A fork whose child starts in the cgroup v2 directory `dir`: nothing is moved, so the kernel
 * never waits for the grace period a move needs. Single-threaded, as fork. */
static pid_t fork_into_cgroup(const char *dir) {
  int cgroup = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup < 0) fail(errno, "open cgroup %s", dir);
  struct clone3_args args = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgroup};
  pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) fail(errno, "clone into cgroup %s", dir);
  close(cgroup);
  return pid;
}

void op_fork(const struct step *s) {
  int wait_for_init = (int)s->ints[0];
  /* The init reports nothing before its pid has gone out: run first (on another CPU, in a cgroup
   * of its own), it could otherwise reach "ready" before the parent says who it is. */
  int order[2];
  if (pipe2(order, O_CLOEXEC) < 0) fail(errno, "pipe");
  pid_t pid = s->nstr > 0 ? fork_into_cgroup(s->strs[0]) : fork();
  if (pid < 0) fail(errno, "fork init");
  int leave = s->nint > 1 ? (int)s->ints[1] : -1;
  if (pid == 0) {
    if (leave >= 0) close(leave); /* the host's cgroup.procs is never the process's to hold */
    close(order[1]);
    char byte;
    while (read(order[0], &byte, 1) < 0 && errno == EINTR) {
    }
    close(order[0]);
    return;
  }
  close(order[0]);
  send_msg(MSG_PID, pid, 0, NULL);
  /* A helper that stays leaves the container's cgroup before the child goes on: on cgroup v2 a
   * process there would keep the container from enabling controllers for its sub-cgroups. The
   * fd was opened by the runtime, whose credentials and cgroup namespace the kernel checks; a
   * refusal only leaves the helper where it is. */
  if (leave >= 0) {
    if (wait_for_init) {
      while (write(leave, "0", 1) < 0 && errno == EINTR) {
      }
    }
    close(leave);
  }
  close(order[1]); /* end of file: the init goes on */
  if (!wait_for_init) _exit(0);
  /* Stay as the init's parent to collect its exit status; the terminal's signals are for it. */
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) fail(errno, "waitpid");
  }
  send_msg(MSG_EXIT, status, 0, NULL);
  _exit(0);
}

/* ---- the init's set-up ---- */

void op_setsid(const struct step *s UNUSED) {
  if (setsid() < 0) fail(errno, "setsid");
}

void op_sethostname(const struct step *s) {
  if (sethostname(s->strs[0], s->lens[0]) < 0) fail(errno, "sethostname");
}

void op_setdomainname(const struct step *s) {
  if (setdomainname(s->strs[0], s->lens[0]) < 0) fail(errno, "setdomainname");
}

void op_ioprio(const struct step *s) {
  if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)s->ints[0]) < 0) fail(errno, "ioprio_set");
}

void op_personality(const struct step *s) {
  if (personality((unsigned long)s->ints[0]) < 0) fail(errno, "personality");
}

void op_set_affinity(const struct step *s) {
  if (sched_setaffinity(0, s->lens[0], (const cpu_set_t *)s->strs[0]) < 0) fail(errno, "sched_setaffinity");
}

/* ---- talking to the parent and to `start` ---- */

void op_sync(const struct step *s) {
  send_msg(MSG_SYNC, (int32_t)s->ints[0], 0, NULL);
  wait_ack();
}

void op_ready(const struct step *s UNUSED) { send_msg(MSG_READY, 0, 0, NULL); }

/* The state directory comes as an fd the parent opened: after pivot_root (and as an
 * unprivileged user) its path may be out of reach. Opening the FIFO for writing blocks until
 * `skiff start` opens it for reading; the fd stays open (close-on-exec) so that start reads
 * the outcome ("0", or "E" and an error) and then EOF when execve succeeds. */
void op_wait_start(const struct step *s) {
  int dirfd = (int)s->ints[0];
  const char *name = s->strs[0];
  int fd;
  do fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) fail(errno, "open exec fifo");
  close(dirfd);
  start_fd = fd;
}

void op_started(const struct step *s UNUSED) {
  if (start_fd < 0 || write(start_fd, "0", 1) != 1) fail(errno ? errno : EBADF, "report start");
}

/* Finds args[0] the way execvp would, so a missing program fails `create`, not `start`. */
void op_resolve_exec(const struct step *s) {
  const char *file = s->strs[0], *pathvar = s->strs[1];
  if (strchr(file, '/')) {
    struct stat st;
    if (stat(file, &st) < 0) fail(errno, "exec: \"%s\": stat %s: %s", file, file, errstr(errno));
    if (S_ISDIR(st.st_mode)) fail(EACCES, "exec: \"%s\": is a directory", file);
    if (access(file, X_OK) < 0) fail(errno, "exec: \"%s\": permission denied", file);
    snprintf(exec_path, sizeof exec_path, "%s", file);
    return;
  }
  const char *p = pathvar;
  int saw_eacces = 0;
  while (*p) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char cand[4096];
    if (len == 0) snprintf(cand, sizeof cand, "%s", file);
    else snprintf(cand, sizeof cand, "%.*s/%s", (int)len, p, file);
    struct stat st;
    if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
      if (access(cand, X_OK) == 0) {
        snprintf(exec_path, sizeof exec_path, "%s", cand);
        return;
      }
      saw_eacces = 1;
    }
    if (!end) break;
    p = end + 1;
  }
  if (saw_eacces) fail(EACCES, "exec: \"%s\": permission denied", file);
  fail(ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

/*
 * process.cwd. The path is resolved in the container's root, but a cwd such as
 * /proc/self/fd/N follows a magic link to whatever fd N is, and the init still holds host fds
 * (the state directory, the sync socket) until execve: entering one would put the container's
 * cwd outside its root (CVE-2024-21626). The kernel's getcwd says where we landed: a path not
 * reachable from our root comes back prefixed "(unreachable)", a deleted one as ENOENT.
 */
static int cwd_pending;

/* process.cwd is tried as root before the user switch (CHDIR_TRY: a cwd only root may enter
 * still works, as with runc); refused for permissions, it is retried as the target user
 * (CHDIR_RETRY). */
void op_chdir(const struct step *s) {
  const char *cwd = s->strs[0];
  unsigned mode = (unsigned)s->ints[0];
  if (mode == CHDIR_RETRY && !cwd_pending) return;
  if (chdir(cwd) < 0) {
    if (mode == CHDIR_TRY && (errno == EACCES || errno == EPERM)) {
      cwd_pending = 1;
      return;
    }
    fail(errno, "chdir to cwd %s", cwd);
  }
  cwd_pending = 0;
  char here[4096];
  long n = syscall(SYS_getcwd, here, sizeof here);
  if (n < 0) fail(errno, "cwd %s: getcwd", cwd);
  if (n > 0 && here[0] != '/') fail(EPERM, "it resolves outside the container's root: possible breakout");
}

/* Marks every open fd from `first` close-on-exec, one by one: for kernels (or a seccomp filter
 * inherited from our caller) without close_range. */
static void cloexec_from_proc(int first) {
  int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) fail(errno, "open /proc/self/fd");
  char buf[4096];
  long n;
  while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      struct {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *d = (void *)(buf + off);
      off += d->reclen;
      if (d->name[0] < '0' || d->name[0] > '9') continue;
      int fd = atoi(d->name);
      if (fd < first || fd == dir) continue;
      int fl = fcntl(fd, F_GETFD);
      if (fl >= 0 && !(fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) fail(errno, "mark fd %d close-on-exec", fd);
    }
  }
  if (n < 0) fail(errno, "read /proc/self/fd");
  close(dir);
}

void op_close_fds(const struct step *s) {
  int first = (int)s->ints[0];
  /* Mark, not close: the sync socket must live until execve to report a late failure. */
  if (syscall(SYS_close_range, (unsigned)first, ~0u, 4 /* CLOSE_RANGE_CLOEXEC */) < 0) {
    if (errno != ENOSYS && errno != EPERM && errno != EINVAL) fail(errno, "close_range");
    cloexec_from_proc(first);
  }
  for (int fd = 0; fd < first; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0 && (fl & FD_CLOEXEC)) fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
}


void op_exec(const struct step *s) {
  uint32_t argc = (uint32_t)s->ints[0];
  if (argc > s->nstr) fail(EINVAL, "bad exec step");
  static char *argv[MAX_STRS + 1], *envp[MAX_STRS + 1];
  for (uint32_t i = 0; i < argc; i++) argv[i] = (char *)s->strs[i];
  argv[argc] = NULL;
  uint32_t envc = s->nstr - argc;
  for (uint32_t i = 0; i < envc; i++) envp[i] = (char *)s->strs[argc + i];
  envp[envc] = NULL;
  execve(exec_path[0] ? exec_path : argv[0], argv, envp);
  int err = errno;
  dprintf(2, "skiff: exec %s: %s\n", argv[0], errstr(err));
  fail(err, "exec: \"%s\": %s", argv[0], errstr(err));
}

void op_sched_setattr(const struct step *s) {
  const char *attr = s->strs[0];
  uint32_t len = s->lens[0];
  /* The kernel reads attr->size bytes; the plan sends a complete struct of that size. */
  if (len < 48) fail(EINVAL, "short sched_attr");
  if (syscall(SYS_sched_setattr, 0, attr, 0) < 0) fail(errno, "sched_setattr");
}

void op_mempolicy(const struct step *s) {
  int mode = (int)s->ints[0];
  const char *mask = s->strs[0];
  uint32_t len = s->lens[0];
  /* maxnode counts bits; the kernel wants one more than the highest node it may read. */
  unsigned long words[64] = {0};
  if (len > sizeof words) fail(E2BIG, "node mask too large");
  memcpy(words, mask, len);
  if (syscall(SYS_set_mempolicy, mode, len ? words : NULL, len ? (unsigned long)len * 8 + 1 : 0) < 0) fail(errno, "set_mempolicy");
}
