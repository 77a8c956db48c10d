/*
 * procfs: the writes a plan makes there (sysctl, oom_score_adj, LSM attributes, time offsets),
 * and the paths masked or made read-only over the container's /proc and /sys.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "executor.h"
#include "mount-api.h"

#define PROC_ROOT_INO 1


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

void op_mask_path(const struct step *s) {
  const char *path = s->strs[0];
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT) return;
    fail(errno, "stat %s", path);
  }
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") : bind_null_device(path);
  if (r < 0 && errno != ENOENT) fail(errno, "mask %s", path);
}

void op_readonly_path(const struct step *s) {
  const char *path = s->strs[0];
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


/*
 * Writes a procfs file (sysctl, oom_score_adj, LSM attributes, time offsets) without trusting the
 * path: /proc must be a procfs root (its magic, inode 1), and the file is opened beneath it with
 * no symlink, magic link or mount crossing on the way, then checked to be procfs too. A container
 * that planted a symlink, bound something over /proc/sys or raced a mount onto the path gets an
 * error, never a write elsewhere (the CVE-2025-52881 class). "self" is spelled as our pid, since
 * /proc/self is itself a symlink.
 */
void op_write_file(const struct step *s) {
  const char *path = s->strs[0], *content = s->strs[1];
  size_t len = s->lens[1];
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
  if (fd < 0) fail(open_errno, "open %s", path);
  if (fstatfs(fd, &fs) < 0) fail(errno, "stat %s", path);
  if (fs.f_type != PROC_SUPER_MAGIC) fail(EXDEV, "%s is not a procfs file", path);
  if (write(fd, content, len) != (ssize_t)len) fail(errno, "write %s", path);
  close(fd);
}
