/*
 * skiff-init: executes a plan compiled by skiff's TypeScript side. It decides nothing.
 *
 * skiff execs this static binary (from a sealed memfd) with the sync socket as fd argv[1].
 * The plan arrives over that socket. Steps up to OP_FORK run here, in the "helper"; OP_FORK
 * forks the container's init (pid 1 of a new pid namespace), reports its pid, and the helper
 * either exits (create) or waits for the init and reports its exit status (run, exec).
 * The init runs the remaining steps. Any failing step reports (step index, errno, detail) over
 * the socket and exits; the parent turns that into an error message and unwinds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/mount.h>
#include <linux/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"

/* The new mount API (Linux 5.2/5.12) through syscall(2): musl, skiff-init's libc, has no
 * wrappers for it. */
static int open_tree(int dirfd, const char *path, unsigned flags) { return (int)syscall(SYS_open_tree, dirfd, path, flags); }
static int move_mount(int from_dirfd, const char *from, int to_dirfd, const char *to, unsigned flags) {
  return (int)syscall(SYS_move_mount, from_dirfd, from, to_dirfd, to, flags);
}
static int mount_setattr(int dirfd, const char *path, unsigned flags, struct mount_attr *attr, size_t size) {
  return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
}

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#define PROC_ROOT_INO 1

#define MAX_INTS 256
#define MAX_STRS 4096

struct step {
  uint32_t op;
  uint32_t nint;
  uint32_t nstr;
  int64_t ints[MAX_INTS];
  const char *strs[MAX_STRS];
  uint32_t lens[MAX_STRS];
};

static int sync_fd = -1;
/* exec.fifo, open for writing once `start` has opened it: the outcome of start goes here */
static int start_fd = -1;
/* documents the parent sent with its last acknowledgement (hook state JSON) */
#define MAX_SYNC_DATA 4
static char *sync_data[MAX_SYNC_DATA];
static uint32_t sync_len[MAX_SYNC_DATA];
static uint32_t current_step;
static char exec_path[4096];

struct msg {
  uint32_t type;
  int32_t a;
  int32_t b;
  uint32_t len;
};

static void send_msg(uint32_t type, int32_t a, int32_t b, const char *text) {
  struct msg m = {type, a, b, text ? (uint32_t)strlen(text) : 0};
  struct iovec iov[2] = {{&m, sizeof m}, {(void *)text, m.len}};
  struct msghdr h = {.msg_iov = iov, .msg_iovlen = text ? 2 : 1};
  /* MSG_NOSIGNAL: after `create` returns nobody reads; a late error must not SIGPIPE us. */
  while (sendmsg(sync_fd, &h, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

/* strerror as Go prints it ("no such file or directory"): callers match on that text. */
/* libc's descriptions in the lower case of Go's messages ("no such file or directory"). */
static const char *lower_first(const char *text) {
  static char buf[128];
  snprintf(buf, sizeof buf, "%s", text);
  if (buf[0] >= 'A' && buf[0] <= 'Z') buf[0] = (char)(buf[0] - 'A' + 'a');
  return buf;
}

static const char *errstr(int err) { return lower_first(strerror(err)); }

static void fail(int err, const char *fmt, ...) {
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

static void read_full(int fd, void *buf, size_t len) {
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
static void wait_ack(void) {
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

/* ---- plan decoding ---- */

static const uint8_t *plan_cur, *plan_end;

static uint32_t take_u32(void) {
  uint32_t v;
  if (plan_end - plan_cur < 4) fail(EINVAL, "truncated plan");
  memcpy(&v, plan_cur, 4);
  plan_cur += 4;
  return v;
}

static void decode_step(struct step *s) {
  s->op = take_u32();
  s->nint = take_u32();
  s->nstr = take_u32();
  if (s->nint > MAX_INTS || s->nstr > MAX_STRS) fail(E2BIG, "step too large");
  for (uint32_t i = 0; i < s->nint; i++) {
    if (plan_end - plan_cur < 8) fail(EINVAL, "truncated plan");
    memcpy(&s->ints[i], plan_cur, 8);
    plan_cur += 8;
  }
  for (uint32_t i = 0; i < s->nstr; i++) {
    uint32_t len = take_u32();
    if ((size_t)(plan_end - plan_cur) < (size_t)len + 1) fail(EINVAL, "truncated plan");
    s->strs[i] = (const char *)plan_cur;
    s->lens[i] = len;
    plan_cur += len + 1;
  }
}

static void need(const struct step *s, uint32_t nint, uint32_t nstr) {
  if (s->nint < nint || s->nstr < nstr) fail(EINVAL, "op %u: missing arguments", s->op);
}

/* ---- paths resolved inside the root filesystem ---- */

static int openat2_in_root(int rootfd, const char *rel, uint64_t flags) {
  struct open_how how = {.flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  return (int)syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof how);
}

/*
 * Opens rootfs/rel with O_PATH, every symlink resolved as if rootfs were "/", so nothing in the
 * container's tree can point a mount outside it. Missing components are created when asked —
 * also behind a symlink, whose target (inside rootfs) is what gets created, as runc's
 * securejoin does: directories, and the last one as a directory or an empty file.
 */
static int open_in_root(const char *rootfs, const char *rel, int create_last_as_file, int create) {
  int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) fail(errno, "open rootfs %s", rootfs);
  char path[4096], prefix[4096];
  snprintf(path, sizeof path, "%s", rel);
  int fd = openat2_in_root(rootfd, path, O_PATH);
  for (int hops = 0; fd < 0 && errno == ENOENT && create && hops < 40; hops++) {
    /* Find the first missing component and create it, or follow it if it is a symlink. */
    size_t n = strlen(path);
    size_t i = 0;
    for (;;) {
      while (path[i] == '/') i++;
      size_t end = i;
      while (end < n && path[end] != '/') end++;
      if (end == i) break;
      memcpy(prefix, path, end);
      prefix[end] = '\0';
      int probe = openat2_in_root(rootfd, prefix, O_PATH);
      if (probe >= 0) {
        close(probe);
        i = end;
        continue;
      }
      if (errno != ENOENT) fail(errno, "resolve %s in %s", prefix, rootfs);
      char *slash = strrchr(prefix, '/');
      const char *name = slash ? slash + 1 : prefix;
      if (slash) *slash = '\0';
      int parent = slash ? openat2_in_root(rootfd, prefix, O_PATH | O_DIRECTORY) : dup(rootfd);
      if (parent < 0) fail(errno, "open parent of %s in %s", path, rootfs);
      char target[4096];
      ssize_t tl = readlinkat(parent, name, target, sizeof target - 1);
      if (tl >= 0) {
        /* A dangling symlink (inside the root): continue from what it points to. */
        target[tl] = '\0';
        char next[sizeof path];
        int len = target[0] == '/' ? snprintf(next, sizeof next, "%s%s", target, path + end)
                                   : snprintf(next, sizeof next, "%s%s%s%s", slash ? prefix : "", slash ? "/" : "", target, path + end);
        if (len < 0 || (size_t)len >= sizeof next) fail(ENAMETOOLONG, "resolve %s in %s", rel, rootfs);
        memcpy(path, next, (size_t)len + 1);
      } else if (end >= n && create_last_as_file) {
        int f = openat(parent, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (f < 0 && errno != EEXIST) fail(errno, "create %s in %s", rel, rootfs);
        if (f >= 0) close(f);
      } else if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
        fail(errno, "mkdir %s in %s", rel, rootfs);
      }
      close(parent);
      break;
    }
    fd = openat2_in_root(rootfd, path, O_PATH);
  }
  int err = errno;
  close(rootfd);
  errno = err;
  return fd;
}

static void fd_path(char *buf, size_t len, int fd) { snprintf(buf, len, "/proc/self/fd/%d", fd); }

/* The flags a remount must keep: in a user namespace the kernel locks them (EPERM otherwise). */
static unsigned long locked_flags(const char *path) {
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
  return f;
}

static int do_mount(const char *src, const char *target, const char *fstype, unsigned long flags,
                    const char *data, int keep_locked) {
  int r = mount(src[0] ? src : NULL, target, fstype[0] ? fstype : NULL, flags, data[0] ? data : NULL);
  if (r < 0 && errno == EPERM && keep_locked && (flags & MS_REMOUNT)) {
    unsigned long locked = locked_flags(target) & ~(MS_RDONLY);
    r = mount(src[0] ? src : NULL, target, fstype[0] ? fstype : NULL, flags | locked, data[0] ? data : NULL);
  }
  return r;
}

/* Mounts over procfs files redirect what the kernel shows the container: only the targets the
 * plan marks (/proc itself, runc's allow-list) may be on procfs. Checked on the resolved fd, so a
 * symlink into /proc is caught as well as a literal /proc path. */
static void refuse_proc_target(int fd, const char *target, unsigned mode) {
  if (mode & MOUNT_ON_PROC) return;
  struct statfs fs;
  if (fstatfs(fd, &fs) < 0) fail(errno, "stat mount point %s", target);
  if (fs.f_type == PROC_SUPER_MAGIC) fail(EPERM, "/%s is inside /proc, where only runc's allow-list may be mounted over", target);
}

static void op_mount(const struct step *s) {
  need(s, 2, 5);
  unsigned long flags = (unsigned long)s->ints[0];
  unsigned mode = (unsigned)s->ints[1];
  const char *src = s->strs[0], *target = s->strs[1], *fstype = s->strs[2], *data = s->strs[3];
  char path[64];
  const char *where = target;
  int fd = -1;
  if (mode & MOUNT_IN_ROOT) {
    fd = open_in_root(s->strs[4], target, mode & MOUNT_MKFILE, mode & (MOUNT_MKDIR | MOUNT_MKFILE));
    if (fd < 0) {
      if (errno == ENOENT && (mode & MOUNT_IGNORE_ENOENT)) return;
      fail(errno, "open mount point %s", target);
    }
    refuse_proc_target(fd, target, mode);
    fd_path(path, sizeof path, fd);
    where = path;
  }
  if (do_mount(src, where, fstype, flags, data, mode & MOUNT_KEEP_LOCKED) < 0) {
    if (errno == ENOENT && (mode & MOUNT_IGNORE_ENOENT)) {
      if (fd >= 0) close(fd);
      return;
    }
    fail(errno, "mount %s on %s", src, target);
  }
  if (fd >= 0) close(fd);
}

/* The directory that will hold rootfs/rel, resolved inside the rootfs (missing parts created)
 * and opened for real (O_PATH fds cannot be used with mknodat or symlinkat); *name is the last
 * component of rel. */
static int open_parent_dir_in_root(const char *rootfs, const char *rel, const char **name) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", rel);
  char *slash = strrchr(dir, '/');
  *name = slash ? rel + (slash - dir) + 1 : rel;
  if (slash) *slash = '\0';
  int parent = open_in_root(rootfs, slash ? dir : "", 0, 1);
  if (parent < 0) fail(errno, "open parent of %s", rel);
  char p[64];
  fd_path(p, sizeof p, parent);
  int dirfd = open(p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  close(parent);
  if (dirfd < 0) fail(errno, "open directory of %s", rel);
  return dirfd;
}

static void op_mknod(const struct step *s) {
  need(s, 6, 2);
  const char *name;
  int dirfd = open_parent_dir_in_root(s->strs[0], s->strs[1], &name);
  mode_t mode = (mode_t)s->ints[0];
  dev_t dev = makedev((unsigned)s->ints[1], (unsigned)s->ints[2]);
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    int same = (st.st_mode & S_IFMT) == (mode & S_IFMT) && ((mode & S_IFMT) == S_IFIFO || st.st_rdev == dev);
    /* A configured device must not silently replace something else (config-linux.md). */
    if (s->ints[5] && !same) fail(EEXIST, "%s exists and is not the requested device", s->strs[1]);
    if (same) {
      if (fchmodat(dirfd, name, mode & 07777, 0) < 0) fail(errno, "chmod device %s", s->strs[1]);
      if (fchownat(dirfd, name, (uid_t)s->ints[3], (gid_t)s->ints[4], AT_SYMLINK_NOFOLLOW) < 0) fail(errno, "chown device %s", s->strs[1]);
      close(dirfd);
      return;
    }
    unlinkat(dirfd, name, 0);
  }
  if (mknodat(dirfd, name, mode, dev) == 0) {
    /* mknod's mode went through the umask; fileMode is exact. */
    if (fchmodat(dirfd, name, mode & 07777, 0) < 0) fail(errno, "chmod device %s", s->strs[1]);
    if (fchownat(dirfd, name, (uid_t)s->ints[3], (gid_t)s->ints[4], AT_SYMLINK_NOFOLLOW) < 0)
      fail(errno, "chown device %s", s->strs[1]);
    close(dirfd);
    return;
  }
  if (errno != EPERM) fail(errno, "mknod %s", s->strs[1]);
  /* No mknod in a user namespace: bind the host's node over an empty file instead. */
  int f = openat(dirfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0);
  if (f < 0) fail(errno, "create %s", s->strs[1]);
  close(f);
  int target = openat(dirfd, name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
  close(dirfd);
  if (target < 0) fail(errno, "open %s", s->strs[1]);
  char host[4096], t[64];
  snprintf(host, sizeof host, "%s", s->strs[1][0] == '/' ? s->strs[1] : "/");
  if (s->strs[1][0] != '/') snprintf(host, sizeof host, "/%s", s->strs[1]);
  fd_path(t, sizeof t, target);
  if (mount(host, t, NULL, MS_BIND, NULL) < 0) fail(errno, "bind device %s", host);
  close(target);
}

static void op_symlink(const struct step *s) {
  need(s, 0, 3);
  const char *name;
  int dirfd = open_parent_dir_in_root(s->strs[0], s->strs[2], &name);
  if (symlinkat(s->strs[1], dirfd, name) < 0 && errno != EEXIST) fail(errno, "symlink %s", s->strs[2]);
  close(dirfd);
}

static void op_pivot_root(const char *rootfs) {
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0 || newroot < 0) fail(errno, "open %s", rootfs);
  if (fchdir(newroot) < 0) fail(errno, "chdir %s", rootfs);
  /* pivot_root(".", ".") stacks the old root on top of the new one; then detach it. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail(errno, "pivot_root %s", rootfs);
  if (fchdir(oldroot) < 0) fail(errno, "fchdir old root");
  /* Keep the detach from propagating back to the host. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) fail(errno, "make old root rslave");
  if (umount2(".", MNT_DETACH) < 0) fail(errno, "detach old root");
  if (chdir("/") < 0) fail(errno, "chdir /");
  close(oldroot);
  close(newroot);
}

/* `move`: --no-pivot, the rootfs mount moves onto / first; without it (no mount namespace of
 * our own: the runtime's mounts must not change) a plain chroot. */
static void op_chroot(const char *rootfs, int move) {
  if (chdir(rootfs) < 0) fail(errno, "chdir %s", rootfs);
  if (move && mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0) fail(errno, "move %s to /", rootfs);
  if (chroot(".") < 0) fail(errno, "chroot %s", rootfs);
  if (chdir("/") < 0) fail(errno, "chdir /");
}

/*
 * Binds the null device over path. The device is checked on the fd that gets bound (char 1:3),
 * never looked up again by name, so a /dev/null the config replaced (a bind of some file, a
 * symlink) cannot be what covers a masked path (the CVE-2025-31133 class).
 */
static int bind_null_device(const char *path) {
  int null = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (null < 0) fail(errno, "open /dev/null to mask %s", path);
  struct stat st;
  if (fstat(null, &st) < 0) fail(errno, "stat /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) fail(EXDEV, "/dev/null is not the null device (1:3): refusing to mask %s with it", path);
  int tree = open_tree(null, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0) fail(errno, "clone /dev/null to mask %s", path);
  int r = move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
  int saved = errno;
  close(tree);
  close(null);
  errno = saved;
  return r;
}

static void op_mask_path(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT) return;
    fail(errno, "stat %s", path);
  }
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") : bind_null_device(path);
  if (r < 0 && errno != ENOENT) fail(errno, "mask %s", path);
}

static void op_readonly_path(const char *path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT) return;
    fail(errno, "bind %s", path);
  }
  /* The mount's own nosuid/nodev/noexec stay (a bind remount would clear them: /proc/sys with
   * exec allowed), as runc keeps them. */
  unsigned long keep = locked_flags(path) & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (do_mount("", path, "", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | keep, "", 1) < 0)
    fail(errno, "remount %s read-only", path);
}

/* ---- process attributes ---- */

static void op_cap_bounding(uint64_t keep) {
  for (int cap = 0; cap <= 63; cap++) {
    if (keep & (1ull << cap)) continue;
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) <= 0) continue; /* unknown to this kernel or gone */
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) fail(errno, "drop capability %d from the bounding set", cap);
  }
}

static void op_capset(uint64_t eff, uint64_t perm, uint64_t inh, uint64_t amb) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2] = {
      {(uint32_t)eff, (uint32_t)perm, (uint32_t)inh},
      {(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32)},
  };
  if (syscall(SYS_capset, &h, d) < 0) fail(errno, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail(errno, "clear ambient capabilities");
  for (int cap = 0; cap <= 63; cap++) {
    if (!(amb & (1ull << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) fail(errno, "raise ambient capability %d", cap);
  }
}

/* Finds args[0] the way execvp would, so a missing program fails `create`, not `start`. */
static void op_resolve_exec(const char *file, const char *pathvar) {
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

/* The state directory comes as an fd the parent opened: after pivot_root (and as an
 * unprivileged user) its path may be out of reach. Opening the FIFO for writing blocks until
 * `skiff start` opens it for reading; the fd stays open (close-on-exec) so that start reads
 * the outcome ("0", or "E" and an error) and then EOF when execve succeeds. */
static void op_wait_start(int dirfd, const char *name) {
  int fd;
  do fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) fail(errno, "open exec fifo");
  close(dirfd);
  start_fd = fd;
}

/* Runs a hook (config.md "POSIX-platform Hooks") with a state document on stdin, within its
 * timeout; a hook that fails or times out fails this step. */
static void op_hook(const struct step *s) {
  need(s, 4, 1);
  int timeout = (int)s->ints[0], index = (int)s->ints[3];
  uint32_t doc = (uint32_t)s->ints[1], argc = (uint32_t)s->ints[2];
  if (doc >= MAX_SYNC_DATA || !sync_data[doc] || 1 + argc > s->nstr) fail(EINVAL, "bad hook step");
  /* The stage, for errors: the startContainer ones reach `start` without the step's description. */
  const char *stage = doc == 0 /* HookDocument.CREATING */ ? "createContainer" : "startContainer";
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
  if (write(in[1], sync_data[doc], sync_len[doc]) < 0 && errno != EPIPE) fail(errno, "write hook stdin");
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

/* The process user owns its stdio, so a non-root user can use its terminal (the pty the
 * console step made belongs to root, its group comes from devpts' gid= option and is kept).
 * /dev/null is left alone; errors that only mean "not ours to change" are ignored. */
static void op_stdio_owner(uid_t uid) {
  struct stat null_st, st;
  if (stat("/dev/null", &null_st) < 0) null_st.st_rdev = 0;
  for (int fd = 0; fd <= 2; fd++) {
    if (fstat(fd, &st) < 0) continue;
    if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == null_st.st_rdev)) continue;
    if (fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS) fail(errno, "chown stdio fd %d to uid %u", fd, (unsigned)uid);
  }
}

/*
 * Writes a procfs file (sysctl, oom_score_adj, LSM attributes, time offsets) without trusting the
 * path: /proc must be a procfs root (its magic, inode 1), and the file is opened beneath it with
 * no symlink, magic link or mount crossing on the way, then checked to be procfs too. A container
 * that planted a symlink, bound something over /proc/sys or raced a mount onto the path gets an
 * error, never a write elsewhere (the CVE-2025-52881 class). "self" is spelled as our pid, since
 * /proc/self is itself a symlink.
 */
static void op_write_proc_file(const char *path, const char *content, size_t len, int ignore_enoent) {
  if (strncmp(path, "/proc/", 6) != 0) fail(EINVAL, "write %s: only procfs files are written", path);
  char rel[4096];
  const char *rest = path + 6;
  int n = strncmp(rest, "self/", 5) == 0 ? snprintf(rel, sizeof rel, "%d/%s", (int)getpid(), rest + 5) : snprintf(rel, sizeof rel, "%s", rest);
  if (n < 0 || (size_t)n >= sizeof rel) fail(ENAMETOOLONG, "write %s", path);
  int root = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root < 0) fail(errno, "open /proc");
  struct statfs fs;
  struct stat st;
  if (fstatfs(root, &fs) < 0 || fstat(root, &st) < 0) fail(errno, "stat /proc");
  if (fs.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO) fail(EXDEV, "/proc is not the root of a procfs mount");
  struct open_how how = {.flags = O_WRONLY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV | RESOLVE_BENEATH};
  int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof how);
  int open_errno = errno;
  close(root);
  if (fd < 0) {
    if (open_errno == ENOENT && ignore_enoent) return;
    fail(open_errno, "open %s", path);
  }
  if (fstatfs(fd, &fs) < 0) fail(errno, "stat %s", path);
  if (fs.f_type != PROC_SUPER_MAGIC) fail(EXDEV, "%s is not a procfs file", path);
  if (write(fd, content, len) != (ssize_t)len) fail(errno, "write %s", path);
  close(fd);
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
static void op_chdir(const char *cwd, unsigned mode) {
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

static void op_close_fds(int first) {
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

/* Sends one fd over a unix socket with the given text as the message (SCM_RIGHTS). */
static void send_fd(int sock, int fd, const char *text, size_t len, const char *what) {
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

/* The seccomp agent (linux.seccomp.listenerPath), connected while its path is still reachable,
 * and this process's pid as the runtime sees it (for the state the agent receives). */
static int agent_fd = -1;
static char agent_pid[16];

static void op_agent_connect(const char *path) {
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
static void op_seccomp(const struct step *s) {
  need(s, 1, 1);
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

/* A pty from the container's own devpts: the master goes to the console socket, the slave
 * becomes stdio and controlling terminal. */
/*
 * config-linux.md "/dev/console": the init's pty slave is bound there. The target must be a
 * plain file or device, opened without following a final symlink, and the slave's own fd is what
 * gets bound (open_tree + move_mount): no path of the container's is resolved twice (the
 * CVE-2025-52565 class).
 */
static void bind_console(int slave) {
  int target = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0 && errno == ENOENT) {
    int made = open("/dev/console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (made < 0) fail(errno, "create /dev/console");
    close(made);
    target = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  }
  if (target < 0) fail(errno, "open /dev/console");
  struct stat st;
  if (fstat(target, &st) < 0) fail(errno, "stat /dev/console");
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) fail(EXDEV, "/dev/console is neither a file nor a device: refusing to bind the console there");
  int tree = open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0) fail(errno, "clone the pty for /dev/console");
  if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) fail(errno, "bind the pty at /dev/console");
  close(tree);
  close(target);
}

static void op_console(int sock, int rows, int cols, int console, const char *ptmx) {
  int master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) fail(errno, "open %s", ptmx);
  int unlock = 0, n;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail(errno, "unlockpt");
  if (ioctl(master, TIOCGPTN, &n) < 0) fail(errno, "ptsname");
  char name[64];
  snprintf(name, sizeof name, "/dev/pts/%d", n);
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) fail(errno, "open %s", name);
  if (rows > 0 && cols > 0) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    ioctl(slave, TIOCSWINSZ, &ws);
  }
  if (console) bind_console(slave);
  send_fd(sock, master, name, strlen(name), "pty master to console socket");
  close(master);
  close(sock);
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0) fail(errno, "dup2 pty to %d", i);
  if (ioctl(0, TIOCSCTTY, 0) < 0) fail(errno, "set controlling terminal");
  close(slave);
}

static void op_fork(int wait_for_init) {
  pid_t pid = fork();
  if (pid < 0) fail(errno, "fork init");
  if (pid == 0) return;
  send_msg(MSG_PID, pid, 0, NULL);
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

static void op_exec(const struct step *s) {
  need(s, 1, 1);
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

/* ---- scheduling, memory and execution domain ---- */

static void op_sched_setattr(const char *attr, uint32_t len) {
  /* The kernel reads attr->size bytes; the plan sends a complete struct of that size. */
  if (len < 48) fail(EINVAL, "short sched_attr");
  if (syscall(SYS_sched_setattr, 0, attr, 0) < 0) fail(errno, "sched_setattr");
}

static void op_mempolicy(int mode, const char *mask, uint32_t len) {
  /* maxnode counts bits; the kernel wants one more than the highest node it may read. */
  unsigned long words[64] = {0};
  if (len > sizeof words) fail(E2BIG, "node mask too large");
  memcpy(words, mask, len);
  if (syscall(SYS_set_mempolicy, mode, len ? words : NULL, len ? (unsigned long)len * 8 + 1 : 0) < 0) fail(errno, "set_mempolicy");
}

/* ---- mount attributes and idmapped mounts ---- */

/* Detached, idmapped copies of mount sources made in the helper (host user namespace), attached
 * by OP_MOVE_TREE inside the container's mount namespace. */
#define MAX_TREES 64
static int trees[MAX_TREES];

static void op_mount_setattr(const struct step *s) {
  need(s, 3, 2);
  int fd = open_in_root(s->strs[0], s->strs[1], 0, 0);
  if (fd < 0) fail(errno, "open mount point %s", s->strs[1]);
  struct mount_attr attr = {.attr_set = (uint64_t)s->ints[0], .attr_clr = (uint64_t)s->ints[1]};
  if (mount_setattr(fd, "", AT_EMPTY_PATH | (s->ints[2] ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
    fail(errno, "mount_setattr %s", s->strs[1]);
  close(fd);
}

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

static void op_idmap_tree(const struct step *s) {
  need(s, 3, 3);
  int slot = (int)s->ints[0], rbind = s->ints[1] != 0, ridmap = s->ints[2] != 0;
  if (slot < 0 || slot >= MAX_TREES) fail(EINVAL, "bad tree slot");
  int userns = userns_with_maps(s->strs[1], s->strs[2]);
  int tree = open_tree(AT_FDCWD, s->strs[0], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0));
  if (tree < 0) fail(errno, "open_tree %s", s->strs[0]);
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  if (mount_setattr(tree, "", AT_EMPTY_PATH | (ridmap ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
    fail(errno, "idmap %s", s->strs[0]);
  close(userns);
  trees[slot] = tree + 1; /* 0: empty slot */
}

static void op_move_tree(const struct step *s) {
  need(s, 2, 2);
  int slot = (int)s->ints[0];
  unsigned mode = (unsigned)s->ints[1];
  if (slot < 0 || slot >= MAX_TREES || !trees[slot]) fail(EINVAL, "no idmapped tree in slot %d", slot);
  int target = open_in_root(s->strs[0], s->strs[1], mode & MOUNT_MKFILE, mode & (MOUNT_MKDIR | MOUNT_MKFILE));
  if (target < 0) fail(errno, "open mount point %s", s->strs[1]);
  refuse_proc_target(target, s->strs[1], mode);
  if (move_mount(trees[slot] - 1, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    fail(errno, "attach idmapped mount on %s", s->strs[1]);
  close(target);
  close(trees[slot] - 1);
  trees[slot] = 0;
}

/* ---- network devices (config-linux.md "Network Devices") ---- */

/* The mover: a child forked while the helper is still in the runtime's namespaces, so that it
 * keeps CAP_NET_ADMIN over the host's network namespace (the helper may soon be in a new user
 * namespace). OP_NETDEV_MOVE tells it the container's namespace is ready; it moves each device
 * there, renamed, re-adds its permanent global addresses and sets it up, then reports. */
static pid_t mover_pid;
static int mover_go = -1, mover_result = -1;

struct nlreq {
  struct nlmsghdr h;
  union {
    struct ifinfomsg ifi;
    struct ifaddrmsg ifa;
  };
  char attrs[512];
};

static void nl_attr(struct nlreq *r, unsigned short type, const void *data, size_t len) {
  struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
  if (NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len) > sizeof *r) return;
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(a), data, len);
  r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len);
}

/* Sends one request and waits for its acknowledgement: 0 or an errno. */
static int nl_call(int sock, struct nlreq *r) {
  r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  if (send(sock, r, r->h.nlmsg_len, 0) < 0) return errno;
  char buf[8192];
  for (;;) {
    ssize_t n = recv(sock, buf, sizeof buf, 0);
    if (n < 0) return errno;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
      if (h->nlmsg_type == NLMSG_ERROR) return -((struct nlmsgerr *)NLMSG_DATA(h))->error;
  }
}

struct saved_addr {
  unsigned char family, prefixlen;
  unsigned char local[16], address[16];
  int has_local, has_address;
};

/* The device's permanent addresses of global scope, which a move to another namespace drops. */
static int permanent_addrs(int sock, int ifindex, struct saved_addr *out, int max) {
  struct nlreq r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = RTM_GETADDR, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP}};
  if (send(sock, &r, r.h.nlmsg_len, 0) < 0) return -1;
  int count = 0;
  char buf[16384];
  for (;;) {
    ssize_t n = recv(sock, buf, sizeof buf, 0);
    if (n < 0) return -1;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return count;
      if (h->nlmsg_type == NLMSG_ERROR) return -1;
      struct ifaddrmsg *ifa = NLMSG_DATA(h);
      if ((int)ifa->ifa_index != ifindex || ifa->ifa_scope != RT_SCOPE_UNIVERSE || count >= max) continue;
      uint32_t flags = ifa->ifa_flags;
      struct saved_addr a = {.family = ifa->ifa_family, .prefixlen = ifa->ifa_prefixlen};
      size_t alen = ifa->ifa_family == AF_INET6 ? 16 : 4;
      int len = (int)IFA_PAYLOAD(h);
      for (struct rtattr *at = IFA_RTA(ifa); RTA_OK(at, len); at = RTA_NEXT(at, len)) {
        if (at->rta_type == IFA_FLAGS) memcpy(&flags, RTA_DATA(at), sizeof flags);
        else if (at->rta_type == IFA_LOCAL && RTA_PAYLOAD(at) == alen) a.has_local = 1, memcpy(a.local, RTA_DATA(at), alen);
        else if (at->rta_type == IFA_ADDRESS && RTA_PAYLOAD(at) == alen) a.has_address = 1, memcpy(a.address, RTA_DATA(at), alen);
      }
      if (flags & IFA_F_PERMANENT) out[count++] = a;
    }
  }
}

/* In the mover: report "errno text" on the result pipe and leave. */
static void mover_fail(int err, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  int len = snprintf(text, sizeof text, "%d ", err);
  vsnprintf(text + len, sizeof text - (size_t)len, fmt, ap);
  va_end(ap);
  (void)!write(mover_result, text, strlen(text));
  _exit(1);
}

static void move_devices(const struct step *s) {
  int host = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (host < 0) mover_fail(errno, "netlink socket");
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/net", getppid());
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) mover_fail(errno, "open the container's network namespace");
  static struct saved_addr addrs[MAX_STRS / 2][16];
  int naddrs[MAX_STRS / 2], indexes[MAX_STRS / 2];
  for (uint32_t i = 0; i + 1 < s->nstr; i += 2) {
    const char *name = s->strs[i], *newname = s->strs[i + 1];
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(host, SIOCGIFINDEX, &ifr) < 0) mover_fail(errno, "find network device %s", name);
    indexes[i / 2] = ifr.ifr_ifindex;
    naddrs[i / 2] = permanent_addrs(host, ifr.ifr_ifindex, addrs[i / 2], 16);
    if (naddrs[i / 2] < 0) mover_fail(errno, "list the addresses of %s", name);
    struct nlreq r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK}};
    r.ifi.ifi_index = ifr.ifr_ifindex;
    uint32_t nsfd = (uint32_t)target;
    nl_attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
    nl_attr(&r, IFLA_IFNAME, newname, strlen(newname) + 1);
    int err = nl_call(host, &r);
    if (err) mover_fail(err, "move network device %s into the container as %s", name, newname);
  }
  if (setns(target, CLONE_NEWNET) < 0) mover_fail(errno, "enter the container's network namespace");
  int inner = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (inner < 0) mover_fail(errno, "netlink socket");
  for (uint32_t i = 0; i + 1 < s->nstr; i += 2) {
    const char *newname = s->strs[i + 1];
    /* A new namespace has only lo, so the device keeps its index there; by index, a "%d"
     * template name the kernel filled in is found too. */
    struct ifreq ifr = {.ifr_ifindex = indexes[i / 2]};
    if (ioctl(inner, SIOCGIFNAME, &ifr) < 0) {
      snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", newname);
      if (ioctl(inner, SIOCGIFINDEX, &ifr) < 0) mover_fail(errno, "find network device %s in the container", newname);
    }
    for (int k = 0; k < naddrs[i / 2]; k++) {
      struct saved_addr *a = &addrs[i / 2][k];
      size_t alen = a->family == AF_INET6 ? 16 : 4;
      struct nlreq r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = RTM_NEWADDR, .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL}};
      r.ifa = (struct ifaddrmsg){.ifa_family = a->family, .ifa_prefixlen = a->prefixlen, .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (unsigned)ifr.ifr_ifindex};
      if (a->has_local) nl_attr(&r, IFA_LOCAL, a->local, alen);
      if (a->has_address) nl_attr(&r, IFA_ADDRESS, a->address, alen);
      int err = nl_call(inner, &r);
      if (err && err != EEXIST) mover_fail(err, "restore an address of %s", newname);
    }
    struct nlreq r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK}};
    r.ifi.ifi_index = ifr.ifr_ifindex;
    r.ifi.ifi_flags = IFF_UP;
    r.ifi.ifi_change = IFF_UP;
    int err = nl_call(inner, &r);
    if (err) mover_fail(err, "set %s up", newname);
  }
  _exit(0);
}

static void op_netdev_prepare(const struct step *s) {
  int go[2], result[2];
  if (pipe2(go, O_CLOEXEC) < 0 || pipe2(result, O_CLOEXEC) < 0) fail(errno, "pipe");
  mover_pid = fork();
  if (mover_pid < 0) fail(errno, "fork");
  if (mover_pid == 0) {
    close(go[1]);
    close(result[0]);
    mover_result = result[1];
    char c;
    if (read(go[0], &c, 1) != 1) _exit(1); /* the helper failed before the move */
    move_devices(s);
  }
  close(go[0]);
  close(result[1]);
  mover_go = go[1];
  mover_result = result[0];
}

static void op_netdev_move(void) {
  if (mover_go < 0) fail(EINVAL, "no network devices prepared");
  if (write(mover_go, "g", 1) != 1) fail(errno, "start the network device move");
  char text[512];
  ssize_t n = read(mover_result, text, sizeof text - 1);
  while (waitpid(mover_pid, NULL, 0) < 0 && errno == EINTR) {
  }
  if (n > 0) {
    text[n] = '\0';
    char *msg = strchr(text, ' ');
    fail(atoi(text), "%s", msg ? msg + 1 : text);
  }
  close(mover_go);
  close(mover_result);
  mover_go = mover_result = -1;
}

static void run_step(const struct step *s) {
  switch (s->op) {
  case OP_SETNS: {
    need(s, 1, 1);
    int fd = open(s->strs[0], O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(errno, "open namespace %s", s->strs[0]);
    if (setns(fd, (int)s->ints[0]) < 0) fail(errno, "setns %s", s->strs[0]);
    close(fd);
    break;
  }
  case OP_UNSHARE_USER:
    if (unshare(CLONE_NEWUSER) < 0) fail(errno, "unshare user namespace");
    send_msg(MSG_MAPS, getpid(), 0, NULL);
    wait_ack();
    if (setresgid(0, 0, 0) < 0) fail(errno, "setresgid 0 in the user namespace");
    if (setresuid(0, 0, 0) < 0) fail(errno, "setresuid 0 in the user namespace");
    break;
  case OP_UNSHARE:
    need(s, 1, 0);
    if (unshare((int)s->ints[0]) < 0) fail(errno, "unshare 0x%llx", (unsigned long long)s->ints[0]);
    break;
  case OP_WRITE_FILE:
    need(s, 1, 2);
    op_write_proc_file(s->strs[0], s->strs[1], s->lens[1], (int)s->ints[0]);
    break;
  case OP_FORK:
    need(s, 1, 0);
    op_fork((int)s->ints[0]);
    break;
  case OP_SETSID:
    if (setsid() < 0) fail(errno, "setsid");
    break;
  case OP_MOUNT:
    op_mount(s);
    break;
  case OP_MKNOD:
    op_mknod(s);
    break;
  case OP_SYMLINK:
    op_symlink(s);
    break;
  case OP_PIVOT_ROOT:
    need(s, 0, 1);
    op_pivot_root(s->strs[0]);
    break;
  case OP_CHROOT:
    need(s, 1, 1);
    op_chroot(s->strs[0], s->ints[0] != 0);
    break;
  case OP_MASK_PATH:
    need(s, 0, 1);
    op_mask_path(s->strs[0]);
    break;
  case OP_READONLY_PATH:
    need(s, 0, 1);
    op_readonly_path(s->strs[0]);
    break;
  case OP_SETHOSTNAME:
    need(s, 0, 1);
    if (sethostname(s->strs[0], s->lens[0]) < 0) fail(errno, "sethostname");
    break;
  case OP_SETDOMAINNAME:
    need(s, 0, 1);
    if (setdomainname(s->strs[0], s->lens[0]) < 0) fail(errno, "setdomainname");
    break;
  case OP_SETRLIMIT: {
    need(s, 3, 0);
    struct rlimit rl = {s->ints[1] < 0 ? RLIM_INFINITY : (rlim_t)s->ints[1], s->ints[2] < 0 ? RLIM_INFINITY : (rlim_t)s->ints[2]};
    if (setrlimit((int)s->ints[0], &rl) < 0) fail(errno, "setrlimit %d", (int)s->ints[0]);
    break;
  }
  case OP_PRCTL:
    need(s, 3, 0);
    if (prctl((int)s->ints[0], (unsigned long)s->ints[1], (unsigned long)s->ints[2], 0, 0) < 0)
      fail(errno, "prctl %d", (int)s->ints[0]);
    break;
  case OP_STDIO_OWNER:
    need(s, 1, 0);
    op_stdio_owner((uid_t)s->ints[0]);
    break;
  case OP_UMASK:
    need(s, 1, 0);
    umask((mode_t)s->ints[0]);
    break;
  case OP_SETGROUPS: {
    static gid_t gids[MAX_INTS];
    for (uint32_t i = 0; i < s->nint; i++) gids[i] = (gid_t)s->ints[i];
    if (setgroups(s->nint, gids) < 0) fail(errno, "setgroups");
    break;
  }
  case OP_SETRESGID:
    need(s, 1, 0);
    if (setresgid((gid_t)s->ints[0], (gid_t)s->ints[0], (gid_t)s->ints[0]) < 0) fail(errno, "setresgid %d", (int)s->ints[0]);
    break;
  case OP_SETRESUID:
    need(s, 1, 0);
    if (setresuid((uid_t)s->ints[0], (uid_t)s->ints[0], (uid_t)s->ints[0]) < 0) fail(errno, "setresuid %d", (int)s->ints[0]);
    break;
  case OP_CAP_BOUNDING:
    need(s, 1, 0);
    op_cap_bounding((uint64_t)s->ints[0]);
    break;
  case OP_CAPSET:
    need(s, 4, 0);
    op_capset((uint64_t)s->ints[0], (uint64_t)s->ints[1], (uint64_t)s->ints[2], (uint64_t)s->ints[3]);
    break;
  case OP_CHDIR:
    need(s, 1, 1);
    op_chdir(s->strs[0], (unsigned)s->ints[0]);
    break;
  case OP_RESOLVE_EXEC:
    need(s, 0, 2);
    op_resolve_exec(s->strs[0], s->strs[1]);
    break;
  case OP_READY:
    send_msg(MSG_READY, 0, 0, NULL);
    break;
  case OP_WAIT_START:
    need(s, 1, 1);
    op_wait_start((int)s->ints[0], s->strs[0]);
    break;
  case OP_STARTED:
    if (start_fd < 0 || write(start_fd, "0", 1) != 1) fail(errno ? errno : EBADF, "report start");
    break;
  case OP_HOOK:
    op_hook(s);
    break;
  case OP_SECCOMP:
    op_seccomp(s);
    break;
  case OP_CLOSE_FDS:
    need(s, 1, 0);
    op_close_fds((int)s->ints[0]);
    break;
  case OP_EXEC:
    op_exec(s);
    break;
  case OP_SYNC:
    need(s, 1, 0);
    send_msg(MSG_SYNC, (int32_t)s->ints[0], 0, NULL);
    wait_ack();
    break;
  case OP_CONSOLE:
    need(s, 4, 1);
    op_console((int)s->ints[0], (int)s->ints[1], (int)s->ints[2], (int)s->ints[3], s->strs[0]);
    break;
  case OP_DUP_STDIO:
    need(s, 1, 0);
    for (int i = 0; i < 3; i++)
      if (dup2((int)s->ints[0], i) < 0) fail(errno, "dup2 %d", i);
    break;
  case OP_IOPRIO:
    need(s, 1, 0);
    if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)s->ints[0]) < 0) fail(errno, "ioprio_set");
    break;
  case OP_SCHED_SETATTR:
    need(s, 0, 1);
    op_sched_setattr(s->strs[0], s->lens[0]);
    break;
  case OP_PERSONALITY:
    need(s, 1, 0);
    if (personality((unsigned long)s->ints[0]) < 0) fail(errno, "personality");
    break;
  case OP_MKDIR_IN_ROOT: {
    need(s, 0, 2);
    int fd = open_in_root(s->strs[0], s->strs[1], 0, 1);
    if (fd < 0) fail(errno, "create %s", s->strs[1]);
    struct stat st;
    if (fstat(fd, &st) < 0) fail(errno, "create %s: stat", s->strs[1]);
    if (!S_ISDIR(st.st_mode)) fail(ENOTDIR, "create %s", s->strs[1]);
    close(fd);
    break;
  }
  case OP_SESSION_KEYRING:
    need(s, 0, 1);
    /* A keyring of the container's own instead of the caller's session keyring. Kernels
     * without keyrings, or where the key quota is reached, still run the container (runc). */
    if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, s->strs[0]) < 0 && errno != ENOSYS && errno != EDQUOT && errno != EACCES)
      fail(errno, "join session keyring %s", s->strs[0]);
    break;
  case OP_SET_AFFINITY:
    need(s, 0, 1);
    if (sched_setaffinity(0, s->lens[0], (const cpu_set_t *)s->strs[0]) < 0) fail(errno, "sched_setaffinity");
    break;
  case OP_MEMPOLICY:
    need(s, 1, 1);
    op_mempolicy((int)s->ints[0], s->strs[0], s->lens[0]);
    break;
  case OP_MOUNT_SETATTR:
    op_mount_setattr(s);
    break;
  case OP_IDMAP_TREE:
    op_idmap_tree(s);
    break;
  case OP_MOVE_TREE:
    op_move_tree(s);
    break;
  case OP_AGENT_CONNECT:
    need(s, 0, 1);
    op_agent_connect(s->strs[0]);
    break;
  case OP_NETDEV_PREPARE:
    op_netdev_prepare(s);
    break;
  case OP_NETDEV_MOVE:
    op_netdev_move();
    break;
  default:
    fail(EINVAL, "unknown op %u", s->op);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    dprintf(2, "skiff-init: run by skiff only\n");
    return 2;
  }
  sync_fd = atoi(argv[1]);
  uint32_t hdr[2];
  read_full(sync_fd, hdr, sizeof hdr);
  if (hdr[0] != PLAN_MAGIC) fail(EPROTO, "bad plan magic");
  uint32_t len = hdr[1];
  uint8_t *plan = malloc(len);
  if (!plan) fail(ENOMEM, "plan of %u bytes", len);
  read_full(sync_fd, plan, len);
  plan_cur = plan;
  plan_end = plan + len;
  if (take_u32() != PLAN_MAGIC || take_u32() != PLAN_VERSION) fail(EPROTO, "plan version mismatch");
  uint32_t nsteps = take_u32();
  static struct step s;
  for (current_step = 0; current_step < nsteps; current_step++) {
    decode_step(&s);
    run_step(&s);
  }
  fail(EINVAL, "plan ended without exec");
}
