/* The new mount API (Linux 5.2/5.12) through syscall(2): musl, skiff-init's libc, has no
 * wrappers for it. */
#ifndef SKIFF_MOUNT_API_H
#define SKIFF_MOUNT_API_H

#include <sys/mount.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int open_tree(int dirfd, const char *path, unsigned flags) { return (int)syscall(SYS_open_tree, dirfd, path, flags); }
static inline int move_mount(int from_dirfd, const char *from, int to_dirfd, const char *to, unsigned flags) {
  return (int)syscall(SYS_move_mount, from_dirfd, from, to_dirfd, to, flags);
}
static inline int mount_setattr(int dirfd, const char *path, unsigned flags, struct mount_attr *attr, size_t size) {
  return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
}

#endif
