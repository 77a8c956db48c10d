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
static void refuse_proc_target(int fd, const char *target, unsigned mode) {
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

/* Detached copies of mount sources made in the helper's phase (idmapped ones, and bind sources
 * in a user namespace), attached by OP_MOVE_TREE inside the container's mount namespace. */
#define MAX_TREES 512
static int trees[MAX_TREES];

void op_mount_setattr(const struct step *s) {
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
