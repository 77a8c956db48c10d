/*
 * The container's filesystem: mounts, device nodes and symlinks, every path resolved inside the
 * root filesystem (openat2 RESOLVE_IN_ROOT); pivot_root or chroot; mount attributes and the
 * idmapped mounts made in the helper and attached in the init.
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
int open_in_root(const char *rootfs, const char *rel, int create_last_as_file, int create) {
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

void fd_path(char *buf, size_t len, int fd) { snprintf(buf, len, "/proc/self/fd/%d", fd); }

/* The flags a remount must keep: in a user namespace the kernel locks them (EPERM otherwise). */
unsigned long locked_flags(const char *path) {
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

int do_mount(const char *src, const char *target, const char *fstype, unsigned long flags,
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
void refuse_proc_target(int fd, const char *target, unsigned mode) {
  if (mode & MOUNT_ON_PROC) return;
  struct statfs fs;
  if (fstatfs(fd, &fs) < 0) fail(errno, "stat mount point %s", target);
  if (fs.f_type == PROC_SUPER_MAGIC) fail(EPERM, "/%s is inside /proc, where only runc's allow-list may be mounted over", target);
}

/* A procfs or sysfs goes on a real directory: through a symlink (planted by the image, or raced
 * in) it would land where the symlink points, away from the masks meant for /proc and /sys.
 * A missing target is fine: it is made as a directory. */
static void require_ordinary_dir(const char *rootfs, const char *target, const char *fstype) {
  int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) fail(errno, "open rootfs %s", rootfs);
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS};
  int fd = (int)syscall(SYS_openat2, rootfd, target, &how, sizeof how);
  int err = errno;
  close(rootfd);
  if (fd < 0 && err == ENOENT) return;
  if (fd < 0 && err != ELOOP) fail(err, "open mount point %s", target);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
    fail(ENOTDIR, "filesystem \"%s\" must be mounted on ordinary directory: /%s is %s", fstype, target, fd < 0 ? "a symlink or behind one" : "not a directory");
  close(fd);
}

void op_mount(const struct step *s) {
  unsigned long flags = (unsigned long)s->ints[0];
  unsigned mode = (unsigned)s->ints[1];
  const char *src = s->strs[0], *target = s->strs[1], *fstype = s->strs[2], *data = s->strs[3];
  char path[64];
  const char *where = target;
  int fd = -1;
  if (mode & MOUNT_IN_ROOT) {
    if (mode & MOUNT_DIR_ONLY) require_ordinary_dir(s->strs[4], target, fstype);
    fd = open_in_root(s->strs[4], target, mode & MOUNT_MKFILE, mode & (MOUNT_MKDIR | MOUNT_MKFILE));
    if (fd < 0) fail(errno, "open mount point %s", target);
    refuse_proc_target(fd, target, mode);
    fd_path(path, sizeof path, fd);
    where = path;
  }
  if (do_mount(src, where, fstype, flags, data, mode & MOUNT_KEEP_LOCKED) < 0) fail(errno, "mount %s on %s", src, target);
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

void op_mknod(const struct step *s) {
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

void op_symlink(const struct step *s) {
  const char *name;
  int dirfd = open_parent_dir_in_root(s->strs[0], s->strs[2], &name);
  if (symlinkat(s->strs[1], dirfd, name) < 0 && errno != EEXIST) fail(errno, "symlink %s", s->strs[2]);
  close(dirfd);
}

/* A directory and its missing parents, resolved inside rootfs (a missing process.cwd). */
void op_mkdir_in_root(const struct step *s) {
  int fd = open_in_root(s->strs[0], s->strs[1], 0, 1);
  if (fd < 0) fail(errno, "create %s", s->strs[1]);
  struct stat st;
  if (fstat(fd, &st) < 0) fail(errno, "create %s: stat", s->strs[1]);
  if (!S_ISDIR(st.st_mode)) fail(ENOTDIR, "create %s", s->strs[1]);
  close(fd);
}

void op_pivot_root(const struct step *s) {
  const char *rootfs = s->strs[0];
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

/* A mount of the runtime's that must not stay reachable: detached, or covered by an empty tmpfs
 * where detaching is refused (a mount locked by a user namespace). Already gone with a detached
 * parent: nothing to do. The detach must not reach the host's peers. */
static void hide_mount(const char *path) {
  if (mount(NULL, path, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
    if (errno == ENOENT) return;
    fail(errno, "make %s rslave", path);
  }
  if (umount2(path, MNT_DETACH) == 0) return;
  if (errno != EINVAL && errno != EPERM) fail(errno, "detach %s", path);
  if (mount("tmpfs", path, "tmpfs", 0, NULL) < 0) fail(errno, "cover %s", path);
}

/* `move`: --no-pivot, the rootfs mount moves onto / first, after the mounts the plan lists are
 * hidden (the runtime's full procfs and sysfs mounts); without it (no mount namespace of our own:
 * the runtime's mounts must not change) a plain chroot. */
void op_chroot(const struct step *s) {
  const char *rootfs = s->strs[0];
  int move = s->ints[0] != 0;
  if (chdir(rootfs) < 0) fail(errno, "chdir %s", rootfs);
  if (move)
    for (uint32_t i = 1; i < s->nstr; i++) hide_mount(s->strs[i]);
  if (move && mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0) fail(errno, "move %s to /", rootfs);
  if (chroot(".") < 0) fail(errno, "chroot %s", rootfs);
  if (chdir("/") < 0) fail(errno, "chdir /");
}

void op_mount_setattr(const struct step *s) {
  int fd = open_in_root(s->strs[0], s->strs[1], 0, 0);
  if (fd < 0) fail(errno, "open mount point %s", s->strs[1]);
  struct mount_attr attr = {.attr_set = (uint64_t)s->ints[0], .attr_clr = (uint64_t)s->ints[1]};
  if (mount_setattr(fd, "", AT_EMPTY_PATH | (s->ints[2] ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
    fail(errno, "mount_setattr %s", s->strs[1]);
  close(fd);
}
