/*
 * Who the process is: groups, uid and gid, capabilities, and the attributes set with them
 * (prctl, umask, rlimits, stdio ownership, session keyring).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "executor.h"

void op_setgroups(const struct step *s) {
  static gid_t gids[MAX_INTS];
  for (uint32_t i = 0; i < s->nint; i++) gids[i] = (gid_t)s->ints[i];
  if (setgroups(s->nint, gids) < 0) fail(errno, "setgroups");
}

void op_setresgid(const struct step *s) {
  if (setresgid((gid_t)s->ints[0], (gid_t)s->ints[0], (gid_t)s->ints[0]) < 0) fail(errno, "setresgid %d", (int)s->ints[0]);
}

void op_setresuid(const struct step *s) {
  if (setresuid((uid_t)s->ints[0], (uid_t)s->ints[0], (uid_t)s->ints[0]) < 0) fail(errno, "setresuid %d", (int)s->ints[0]);
}

void op_prctl(const struct step *s) {
  if (prctl((int)s->ints[0], (unsigned long)s->ints[1], (unsigned long)s->ints[2], 0, 0) < 0)
    fail(errno, "prctl %d", (int)s->ints[0]);
}

void op_umask(const struct step *s) { umask((mode_t)s->ints[0]); }

void op_setrlimit(const struct step *s) {
  struct rlimit rl = {s->ints[1] < 0 ? RLIM_INFINITY : (rlim_t)s->ints[1], s->ints[2] < 0 ? RLIM_INFINITY : (rlim_t)s->ints[2]};
  if (setrlimit((int)s->ints[0], &rl) < 0) fail(errno, "setrlimit %d", (int)s->ints[0]);
}

/* A keyring of the container's own instead of the caller's session keyring. Kernels without
 * keyrings, or where the key quota is reached, still run the container (runc). */
void op_session_keyring(const struct step *s) {
  if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, s->strs[0]) < 0 && errno != ENOSYS && errno != EDQUOT && errno != EACCES)
    fail(errno, "join session keyring %s", s->strs[0]);
}

void op_cap_bounding(const struct step *s) {
  uint64_t keep = (uint64_t)s->ints[0];
  for (int cap = 0; cap <= 63; cap++) {
    if (keep & (1ull << cap)) continue;
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) <= 0) continue; /* unknown to this kernel or gone */
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) fail(errno, "drop capability %d from the bounding set", cap);
  }
}

void op_capset(const struct step *s) {
  uint64_t eff = (uint64_t)s->ints[0], perm = (uint64_t)s->ints[1], inh = (uint64_t)s->ints[2], amb = (uint64_t)s->ints[3];
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


/* The process user owns its stdio, so a non-root user can use its terminal (the pty the
 * console step made belongs to root, its group comes from devpts' gid= option and is kept).
 * /dev/null is left alone; errors that only mean "not ours to change" are ignored. */
void op_stdio_owner(const struct step *s) {
  uid_t uid = (uid_t)s->ints[0];
  struct stat null_st, st;
  if (stat("/dev/null", &null_st) < 0) null_st.st_rdev = 0;
  for (int fd = 0; fd <= 2; fd++) {
    if (fstat(fd, &st) < 0) continue;
    if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == null_st.st_rdev)) continue;
    if (fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS) fail(errno, "chown stdio fd %d to uid %u", fd, (unsigned)uid);
  }
}
