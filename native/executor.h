/*
 * skiff-init's internal interface: the decoded step, the channel to the parent, and the
 * handlers main.c's dispatch table names, grouped by the file that defines them.
 */
#ifndef SKIFF_EXECUTOR_H
#define SKIFF_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

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

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

#define UNUSED __attribute__((unused))

/* ---- channel.c: the sync socket to the parent ---- */
extern int sync_fd;
/* exec.fifo, open for writing once `start` has opened it: the outcome of start goes here */
extern int start_fd;
/* documents the parent sent with its last acknowledgement (hook state JSON) */
#define MAX_SYNC_DATA 4
extern char *sync_data[MAX_SYNC_DATA];
extern uint32_t sync_len[MAX_SYNC_DATA];
extern uint32_t current_step;

void send_msg(uint32_t type, int32_t a, int32_t b, const char *text);
const char *lower_first(const char *text);
const char *errstr(int err);
__attribute__((noreturn)) void fail(int err, const char *fmt, ...);
void read_full(int fd, void *buf, size_t len);
void wait_ack(void);
void send_fd(int sock, int fd, const char *text, size_t len, const char *what);

/* ---- mounts.c: the container's filesystem, paths resolved inside its root ---- */
int open_in_root(const char *rootfs, const char *rel, int create_last_as_file, int create);
void fd_path(char *buf, size_t len, int fd);
unsigned long locked_flags(const char *path);
int do_mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data, int keep_locked);
void op_mount(const struct step *s);
void op_mknod(const struct step *s);
void op_symlink(const struct step *s);
void op_mkdir_in_root(const struct step *s);
void op_pivot_root(const struct step *s);
void op_chroot(const struct step *s);
void op_mount_setattr(const struct step *s);
void refuse_proc_target(int fd, const char *target, unsigned mode);

/* ---- sources.c: mount sources cloned outside the container, attached inside it ---- */
void op_idmap_tree(const struct step *s);
void op_move_tree(const struct step *s);
void op_bind_sources_prepare(const struct step *s);
void op_bind_sources_open(const struct step *s);

/* ---- proc.c: procfs writes (sysctl, oom score, LSM, time offsets), masked and read-only paths ---- */
void op_write_file(const struct step *s);
void op_mask_path(const struct step *s);
void op_readonly_path(const struct step *s);

/* ---- identity.c: user, groups, capabilities, process attributes ---- */
void op_setgroups(const struct step *s);
void op_setresgid(const struct step *s);
void op_setresuid(const struct step *s);
void op_cap_bounding(const struct step *s);
void op_capset(const struct step *s);
void op_prctl(const struct step *s);
void op_umask(const struct step *s);
void op_setrlimit(const struct step *s);
void op_stdio_owner(const struct step *s);
void op_session_keyring(const struct step *s);

/* ---- process.c: namespaces, the fork, the console, scheduling, and the road to execve ---- */
void op_setns(const struct step *s);
void op_unshare_user(const struct step *s);
void op_unshare(const struct step *s);
void op_fork(const struct step *s);
void op_setsid(const struct step *s);
void op_sethostname(const struct step *s);
void op_setdomainname(const struct step *s);
void op_chdir(const struct step *s);
void op_resolve_exec(const struct step *s);
void op_close_fds(const struct step *s);
void op_ready(const struct step *s);
void op_sync(const struct step *s);
void op_wait_start(const struct step *s);
void op_started(const struct step *s);
void op_exec(const struct step *s);
void op_ioprio(const struct step *s);
void op_sched_setattr(const struct step *s);
void op_personality(const struct step *s);
void op_set_affinity(const struct step *s);
void op_mempolicy(const struct step *s);

/* ---- hooks.c ---- */
void op_hook(const struct step *s);

/* ---- terminal.c ---- */
void op_console(const struct step *s);

/* ---- seccomp.c ---- */
void op_agent_connect(const struct step *s);
void op_seccomp(const struct step *s);

/* ---- netdev.c ---- */
void op_netdev_prepare(const struct step *s);
void op_netdev_move(const struct step *s);

#endif
