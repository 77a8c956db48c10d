/* linux.seccomp: the filter, loaded last, and its listener sent to the seccomp agent. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "executor.h"

/* The seccomp agent (linux.seccomp.listenerPath), connected while its path is still reachable,
 * and this process's pid as the runtime sees it (for the state the agent receives). */
static int agent_fd = -1;
static char agent_pid[16];

void op_agent_connect(const struct step *s) {
  const char *path = s->strs[0];
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) fail(ENAMETOOLONG, "seccomp agent socket %s", path);
  memcpy(addr.sun_path, path, strlen(path));
  agent_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (agent_fd < 0 || connect(agent_fd, (struct sockaddr *)&addr, sizeof addr) < 0) fail(errno, "connect to seccomp agent %s", path);
  /* Before the container's /proc: this /proc is the runtime's, so "self" is our pid there. */
  ssize_t n = readlink("/proc/self", agent_pid, sizeof agent_pid - 1);
  if (n <= 0) fail(errno, "readlink /proc/self");
  agent_pid[n] = '\0';
}

/* Loads the filter. With a listener, sends its fd and the state message (its pieces joined by
 * our pid) to the agent: built before the load, so only the sendmsg runs under the filter. */
void op_seccomp(const struct step *s) {
  unsigned flags = (unsigned)s->ints[0];
  char *message = NULL;
  size_t len = 0;
  if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
    if (agent_fd < 0) fail(ENOTCONN, "no seccomp agent connected");
    size_t cap = 1;
    for (uint32_t i = 1; i < s->nstr; i++) cap += s->lens[i] + sizeof agent_pid;
    message = malloc(cap);
    if (!message) fail(ENOMEM, "seccomp agent message");
    for (uint32_t i = 1; i < s->nstr; i++) {
      if (i > 1) len += (size_t)sprintf(message + len, "%s", agent_pid);
      memcpy(message + len, s->strs[i], s->lens[i]);
      len += s->lens[i];
    }
  }
  struct sock_fprog fprog = {.len = (unsigned short)(s->lens[0] / sizeof(struct sock_filter)), .filter = (struct sock_filter *)s->strs[0]};
  long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
  if (listener < 0) fail(errno, "load seccomp filter");
  if (message) {
    send_fd(agent_fd, (int)listener, message, len, "the seccomp listener to the agent");
    close((int)listener);
    close(agent_fd);
    agent_fd = -1;
  }
}
