/* The hooks that run inside the container (createContainer, startContainer). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"

/* Runs a hook (config.md "POSIX-platform Hooks") with a state document on stdin, within its
 * timeout; a hook that fails or times out fails this step. */
void op_hook(const struct step *s) {
  int timeout = (int)s->ints[0], index = (int)s->ints[3];
  uint32_t argc = (uint32_t)s->ints[2];
  if (!sync_data[0] || 1 + argc > s->nstr) fail(EINVAL, "bad hook step");
  /* The stage, for errors: the startContainer ones reach `start` without the step's description. */
  const char *stage = s->ints[1] == 0 /* HookStage.CREATE_CONTAINER */ ? "createContainer" : "startContainer";
  static char *argv[MAX_STRS + 1], *envp[MAX_STRS + 1];
  for (uint32_t i = 0; i < argc; i++) argv[i] = (char *)s->strs[1 + i];
  argv[argc] = NULL;
  uint32_t envc = s->nstr - 1 - argc;
  for (uint32_t i = 0; i < envc; i++) envp[i] = (char *)s->strs[1 + argc + i];
  envp[envc] = NULL;
  int in[2], execerr[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(execerr, O_CLOEXEC) < 0) fail(errno, "pipe");
  pid_t pid = fork();
  if (pid < 0) fail(errno, "fork hook");
  if (pid == 0) {
    dup2(in[0], 0);
    execve(s->strs[0], argv[0] ? argv : (char *[]){(char *)s->strs[0], NULL}, envp);
    /* execve's own error, for the parent to name (a close-on-exec pipe stays empty on success) */
    int e = errno;
    if (write(execerr[1], &e, sizeof e) < 0) _exit(127);
    _exit(127);
  }
  close(in[0]);
  close(execerr[1]);
  /* The hook may not read its stdin: never block on, or die of, a full pipe. */
  signal(SIGPIPE, SIG_IGN);
  if (write(in[1], sync_data[0], sync_len[0]) < 0 && errno != EPIPE) fail(errno, "write hook stdin");
  close(in[1]);
  signal(SIGPIPE, SIG_DFL);
  int status, r, reaped = 0;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0) {
    struct pollfd p = {pidfd, POLLIN, 0};
    do r = poll(&p, 1, timeout > 0 ? timeout * 1000 : -1);
    while (r < 0 && errno == EINTR);
    close(pidfd);
  } else {
    /* No pidfd_open (an older kernel, or a seccomp profile without it: startContainer hooks
     * run under the container's filter): poll the child every 10 ms. */
    long waited_ms = 0;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && (timeout <= 0 || waited_ms < timeout * 1000L)) {
      nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
      waited_ms += 10;
    }
    reaped = r == pid;
  }
  if (r == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    fail(0, "error running hook #%d (%s %s): timed out after %d s", index, stage, s->strs[0], timeout);
  }
  while (!reaped && waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail(errno, "wait for hook");
  int exec_errno;
  if (read(execerr[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno)
    fail(exec_errno, "error running hook #%d (%s %s): exec: %s", index, stage, s->strs[0], errstr(exec_errno));
  close(execerr[0]);
  /* No errno: the text says it all (a SIGSYS from the container's seccomp filter reads "bad
   * system call", as in runc's message). */
  if (WIFSIGNALED(status))
    fail(0, "error running hook #%d (%s %s): killed by signal %d (%s)", index, stage, s->strs[0], WTERMSIG(status), lower_first(strsignal(WTERMSIG(status))));
  if (WEXITSTATUS(status) != 0) fail(0, "error running hook #%d (%s %s): exit status %d", index, stage, s->strs[0], WEXITSTATUS(status));
}
