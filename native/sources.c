/*
 * Mount sources prepared outside the container's reach, attached inside it by OP_MOVE_TREE:
 * idmapped copies made in the helper (host user namespace), and bind sources opened with the
 * runtime's credentials when the container has a user namespace of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "executor.h"
#include "mount-api.h"

/* Detached copies of mount sources made in the helper's phase (idmapped ones, and bind sources
 * in a user namespace), attached by OP_MOVE_TREE inside the container's mount namespace. */
#define MAX_TREES 512
static int trees[MAX_TREES];

static void write_proc_file(pid_t pid, const char *name, const char *content) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open %s", path);
  size_t len = strlen(content);
  if (write(fd, content, len) != (ssize_t)len) fail(errno, "write %s", path);
  close(fd);
}

/* A user namespace carrying the given maps, held by an fd: a child creates it and waits while
 * we write its maps (we have the capabilities in the parent namespace that it lacks). */
static int userns_with_maps(const char *uid_map, const char *gid_map) {
  int ready[2], done[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0) fail(errno, "pipe");
  pid_t pid = fork();
  if (pid < 0) fail(errno, "fork");
  if (pid == 0) {
    close(ready[0]);
    close(done[1]);
    char c = unshare(CLONE_NEWUSER) == 0 ? 'u' : 'x';
    if (write(ready[1], &c, 1) != 1) _exit(1);
    (void)!read(done[0], &c, 1); /* hold the namespace until the parent has its fd */
    _exit(0);
  }
  close(ready[1]);
  close(done[0]);
  char c = 0;
  if (read(ready[0], &c, 1) != 1 || c != 'u') fail(EPERM, "create a user namespace for an idmapped mount");
  close(ready[0]);
  write_proc_file(pid, "uid_map", uid_map);
  write_proc_file(pid, "gid_map", gid_map);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(errno, "open %s", path);
  close(done[1]);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
  return fd;
}

/* Gives a detached tree the idmapping of a user namespace carrying these maps. */
static void idmap_tree(int tree, const char *source, const char *uid_map, const char *gid_map, int recursive) {
  int userns = userns_with_maps(uid_map, gid_map);
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
    fail(errno, "idmap %s", source);
  close(userns);
}

void op_idmap_tree(const struct step *s) {
  int slot = (int)s->ints[0], rbind = s->ints[1] != 0, ridmap = s->ints[2] != 0;
  if (slot < 0 || slot >= MAX_TREES) fail(EINVAL, "bad tree slot");
  int tree = open_tree(AT_FDCWD, s->strs[0], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0));
  if (tree < 0) fail(errno, "open_tree %s", s->strs[0]);
  idmap_tree(tree, s->strs[0], s->strs[1], s->strs[2], ridmap);
  trees[slot] = tree + 1; /* 0: empty slot */
}

void op_move_tree(const struct step *s) {
  int slot = (int)s->ints[0];
  unsigned mode = (unsigned)s->ints[1];
  if (slot < 0 || slot >= MAX_TREES || !trees[slot]) fail(EINVAL, "no mount tree in slot %d", slot);
  int target = open_in_root(s->strs[0], s->strs[1], mode & MOUNT_MKFILE, mode & (MOUNT_MKDIR | MOUNT_MKFILE));
  if (target < 0) fail(errno, "open mount point %s", s->strs[1]);
  refuse_proc_target(target, s->strs[1], mode);
  if (move_mount(trees[slot] - 1, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    fail(errno, "attach mount on %s", s->strs[1]);
  close(target);
  close(trees[slot] - 1);
  trees[slot] = 0;
}

/*
 * Bind mount sources in a user namespace (runc's "mount sources"): the container's root cannot
 * reach a source below a directory only host root may enter. The opener, forked before the
 * helper enters any namespace, keeps the runtime's credentials; once the container's mount
 * namespace exists it joins it and clones each source there (open_tree), idmapping the clone
 * when asked, so a clone keeps what that namespace's copy locks (a read-only host mount stays
 * read-only, as with a plain bind), and hands the clones to the helper over a socket. The init
 * attaches them (OP_MOVE_TREE).
 */
static pid_t opener_pid = -1;
static int opener_sock = -1;
static int first_source_slot;
static uint32_t nsources;

/* In the opener: the reason it stops, as "errno text", for the helper to report. */
static void opener_fail(int sock, int err, const char *what, const char *source) {
  char text[4200];
  int n = snprintf(text, sizeof text, "%d %s%s%s", err, what, source[0] ? " " : "", source);
  (void)!send(sock, text, n < (int)sizeof text ? (size_t)n : sizeof text - 1, MSG_NOSIGNAL);
  _exit(1);
}

/* ints: the first slot, then 4 flag bits per source (source i: bits 4*(i%16) of ints[1 + i/16]);
 * strs: source, uid_map, gid_map per source. */
static unsigned source_flags(const struct step *s, uint32_t i) { return (unsigned)(s->ints[1 + i / 16] >> (4 * (i % 16))) & 0xf; }

static void open_sources(const struct step *s, int sock) {
  char go;
  if (recv(sock, &go, 1, 0) != 1) _exit(1); /* the helper failed before its namespaces */
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)getppid());
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns(ns, CLONE_NEWNS) < 0) opener_fail(sock, errno, "join the container's mount namespace", "");
  close(ns);
  for (uint32_t i = 0; i < nsources; i++) {
    unsigned flags = source_flags(s, i);
    const char *source = s->strs[3 * i];
    int tree = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (flags & SOURCE_RBIND ? AT_RECURSIVE : 0));
    if (tree < 0) opener_fail(sock, errno, "open", source);
    /* (its rare failures report through fail(), as the step that forked the opener) */
    if (flags & SOURCE_IDMAP) idmap_tree(tree, source, s->strs[3 * i + 1], s->strs[3 * i + 2], flags & SOURCE_RIDMAP);
    send_fd(sock, tree, "t", 1, "a mount source");
    close(tree);
  }
  _exit(0);
}

void op_bind_sources_prepare(const struct step *s) {
  first_source_slot = (int)s->ints[0];
  nsources = s->nstr / 3;
  if (first_source_slot < 0 || first_source_slot + nsources > MAX_TREES) fail(E2BIG, "too many bind mount sources (at most %d)", MAX_TREES);
  if (s->nint < 1 + (nsources + 15) / 16 || s->nstr % 3) fail(EINVAL, "bad bind sources step");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) fail(errno, "socketpair");
  opener_pid = fork();
  if (opener_pid < 0) fail(errno, "fork the mount source opener");
  if (opener_pid == 0) {
    close(sv[0]);
    open_sources(s, sv[1]);
  }
  close(sv[1]);
  opener_sock = sv[0];
}

/* One message from the opener: a tree (returned) or its error (reported). */
static int receive_source(void) {
  char text[4200], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {text, sizeof text - 1};
  struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n = recvmsg(opener_sock, &h, MSG_CMSG_CLOEXEC);
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&h) : NULL;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
  }
  if (n <= 0) fail(n < 0 ? errno : EPIPE, "open bind mount sources: the opener stopped");
  text[n] = '\0';
  char *why = strchr(text, ' ');
  fail(atoi(text), "%s", why ? why + 1 : text);
}

void op_bind_sources_open(const struct step *s UNUSED) {
  if (opener_sock < 0) fail(EINVAL, "no bind mount sources prepared");
  if (send(opener_sock, "g", 1, MSG_NOSIGNAL) != 1) fail(errno, "start the mount source opener");
  for (uint32_t i = 0; i < nsources; i++) trees[first_source_slot + (int)i] = receive_source() + 1;
  while (waitpid(opener_pid, NULL, 0) < 0 && errno == EINTR) {
  }
  close(opener_sock);
  opener_sock = -1;
}
