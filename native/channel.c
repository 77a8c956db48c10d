/*
 * The sync socket to skiff: messages to the parent (struct msg + text), its acknowledgements,
 * and failure — every failing step reports (step index, errno, detail) here and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "executor.h"

int sync_fd = -1;
int start_fd = -1;
char *sync_data[MAX_SYNC_DATA];
uint32_t sync_len[MAX_SYNC_DATA];
uint32_t current_step;

struct msg {
  uint32_t type;
  int32_t a;
  int32_t b;
  uint32_t len;
};

void send_msg(uint32_t type, int32_t a, int32_t b, const char *text) {
  struct msg m = {type, a, b, text ? (uint32_t)strlen(text) : 0};
  struct iovec iov[2] = {{&m, sizeof m}, {(void *)text, m.len}};
  struct msghdr h = {.msg_iov = iov, .msg_iovlen = text ? 2 : 1};
  /* MSG_NOSIGNAL: after `create` returns nobody reads; a late error must not SIGPIPE us. */
  while (sendmsg(sync_fd, &h, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

/* libc's descriptions in the lower case of Go's messages ("no such file or directory"). */
const char *lower_first(const char *text) {
  static char buf[128];
  snprintf(buf, sizeof buf, "%s", text);
  if (buf[0] >= 'A' && buf[0] <= 'Z') buf[0] = (char)(buf[0] - 'A' + 'a');
  return buf;
}

/* strerror as Go prints it: callers match on that text. */
const char *errstr(int err) { return lower_first(strerror(err)); }

void fail(int err, const char *fmt, ...) {
  char text[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  send_msg(MSG_ERROR, (int32_t)current_step, err, text);
  if (start_fd >= 0) {
    /* `start` is reading: tell it why the container will not run, naming the errno. */
    const char *why = err ? errstr(err) : "";
    if (!why[0] || strstr(text, why)) dprintf(start_fd, "E%s", text);
    else dprintf(start_fd, "E%s: %s", text, why);
  }
  _exit(1);
}

void read_full(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : EPIPE, "reading from parent");
    p += n;
    len -= (size_t)n;
  }
}

/* Waits for the parent's acknowledgement of a MSG_MAPS or MSG_SYNC: a status word, then a
 * count of documents (length + bytes) kept for later steps. */
void wait_ack(void) {
  uint32_t ack, count;
  read_full(sync_fd, &ack, sizeof ack);
  if (ack != ACK_OK) fail(ECANCELED, "parent reported failure");
  read_full(sync_fd, &count, sizeof count);
  if (count > MAX_SYNC_DATA) fail(EPROTO, "too many documents in acknowledgement");
  for (uint32_t i = 0; i < count; i++) {
    read_full(sync_fd, &sync_len[i], sizeof sync_len[i]);
    free(sync_data[i]);
    sync_data[i] = malloc(sync_len[i] + 1);
    if (!sync_data[i]) fail(ENOMEM, "acknowledgement data");
    read_full(sync_fd, sync_data[i], sync_len[i]);
    sync_data[i][sync_len[i]] = '\0';
  }
}

/* Sends one fd over a unix socket with the given text as the message (SCM_RIGHTS). */
void send_fd(int sock, int fd, const char *text, size_t len, const char *what) {
  char buf[CMSG_SPACE(sizeof(int))];
  memset(buf, 0, sizeof buf);
  struct iovec iov = {(void *)text, len};
  struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&h);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (sendmsg(sock, &h, MSG_NOSIGNAL) < 0) fail(errno, "send %s", what);
}
