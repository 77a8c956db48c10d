/*
 * skiff-init: executes a plan compiled by skiff's TypeScript side. It decides nothing.
 *
 * skiff execs this static binary (from a sealed memfd) with the sync socket as fd argv[1].
 * The plan arrives over that socket, in one stage or more (the last holds OP_FORK). Steps up to
 * OP_FORK run here, in the "helper"; OP_FORK forks the container's init (pid 1 of a new pid
 * namespace), reports its pid, and the helper either exits (create) or waits for the init and
 * reports its exit status (run, exec).
 * The init runs the remaining steps. Any failing step reports (step index, errno, detail) over
 * the socket and exits; the parent turns that into an error message and unwinds.
 *
 * This file decodes the plan and dispatches each step through the table below; the handlers
 * live in one file per concern (executor.h lists them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"

/* Where a step may run: in the helper (before OP_FORK: the runtime's namespaces, the user
 * namespace's maps, the device mover), in the init (after it), or in either. */
enum phase { PHASE_HELPER = 1, PHASE_INIT = 2, PHASE_ANY = PHASE_HELPER | PHASE_INIT };

struct op_entry {
  enum phase phase;
  uint32_t nint, nstr; /* the fewest arguments the handler reads */
  void (*handler)(const struct step *s);
};

static const struct op_entry ops[OP__COUNT] = {
    [OP_SETNS] = {PHASE_ANY, 1, 1, op_setns}, /* exec joins the mount namespace after the fork */
    [OP_UNSHARE_USER] = {PHASE_HELPER, 0, 0, op_unshare_user},
    [OP_UNSHARE] = {PHASE_ANY, 1, 0, op_unshare}, /* a new cgroup namespace after a clone into the cgroup */
    [OP_WRITE_FILE] = {PHASE_ANY, 0, 2, op_write_file}, /* time offsets before the fork, sysctl after */
    [OP_FORK] = {PHASE_HELPER, 1, 0, op_fork},
    [OP_SETSID] = {PHASE_INIT, 0, 0, op_setsid},
    [OP_MOUNT] = {PHASE_INIT, 2, 5, op_mount},
    [OP_MKNOD] = {PHASE_INIT, 6, 2, op_mknod},
    [OP_SYMLINK] = {PHASE_INIT, 0, 3, op_symlink},
    [OP_PIVOT_ROOT] = {PHASE_INIT, 0, 1, op_pivot_root},
    [OP_CHROOT] = {PHASE_INIT, 1, 1, op_chroot},
    [OP_MASK_PATH] = {PHASE_INIT, 0, 1, op_mask_path},
    [OP_READONLY_PATH] = {PHASE_INIT, 0, 1, op_readonly_path},
    [OP_SETHOSTNAME] = {PHASE_INIT, 0, 1, op_sethostname},
    [OP_SETDOMAINNAME] = {PHASE_INIT, 0, 1, op_setdomainname},
    [OP_SETRLIMIT] = {PHASE_INIT, 3, 0, op_setrlimit},
    [OP_PRCTL] = {PHASE_INIT, 3, 0, op_prctl},
    [OP_UMASK] = {PHASE_INIT, 1, 0, op_umask},
    [OP_SETGROUPS] = {PHASE_INIT, 0, 0, op_setgroups},
    [OP_SETRESGID] = {PHASE_INIT, 1, 0, op_setresgid},
    [OP_SETRESUID] = {PHASE_INIT, 1, 0, op_setresuid},
    [OP_CAP_BOUNDING] = {PHASE_INIT, 1, 0, op_cap_bounding},
    [OP_CAPSET] = {PHASE_INIT, 4, 0, op_capset},
    [OP_CHDIR] = {PHASE_INIT, 1, 1, op_chdir},
    [OP_RESOLVE_EXEC] = {PHASE_INIT, 0, 2, op_resolve_exec},
    [OP_READY] = {PHASE_INIT, 0, 0, op_ready},
    [OP_WAIT_START] = {PHASE_INIT, 1, 1, op_wait_start},
    [OP_SECCOMP] = {PHASE_INIT, 1, 1, op_seccomp},
    [OP_CLOSE_FDS] = {PHASE_INIT, 1, 0, op_close_fds},
    [OP_EXEC] = {PHASE_INIT, 1, 1, op_exec},
    [OP_SYNC] = {PHASE_INIT, 1, 0, op_sync},
    [OP_CONSOLE] = {PHASE_INIT, 4, 1, op_console},
    [OP_HOOK] = {PHASE_INIT, 4, 1, op_hook},
    [OP_STARTED] = {PHASE_INIT, 0, 0, op_started},
    [OP_IOPRIO] = {PHASE_INIT, 1, 0, op_ioprio},
    [OP_SCHED_SETATTR] = {PHASE_INIT, 0, 1, op_sched_setattr},
    [OP_PERSONALITY] = {PHASE_INIT, 1, 0, op_personality},
    [OP_SET_AFFINITY] = {PHASE_INIT, 0, 1, op_set_affinity},
    [OP_MEMPOLICY] = {PHASE_INIT, 1, 1, op_mempolicy},
    [OP_MOUNT_SETATTR] = {PHASE_INIT, 3, 2, op_mount_setattr},
    [OP_IDMAP_TREE] = {PHASE_HELPER, 3, 3, op_idmap_tree}, /* in the runtime's user namespace */
    [OP_MOVE_TREE] = {PHASE_INIT, 2, 2, op_move_tree},
    [OP_AGENT_CONNECT] = {PHASE_INIT, 0, 1, op_agent_connect},
    [OP_NETDEV_PREPARE] = {PHASE_HELPER, 0, 0, op_netdev_prepare},
    [OP_NETDEV_MOVE] = {PHASE_HELPER, 0, 0, op_netdev_move},
    [OP_SESSION_KEYRING] = {PHASE_INIT, 0, 1, op_session_keyring},
    [OP_MKDIR_IN_ROOT] = {PHASE_INIT, 0, 2, op_mkdir_in_root},
    [OP_STDIO_OWNER] = {PHASE_INIT, 1, 0, op_stdio_owner},
    [OP_BIND_SOURCES_PREPARE] = {PHASE_HELPER, 0, 0, op_bind_sources_prepare}, /* before the user namespace */
    [OP_BIND_SOURCES_OPEN] = {PHASE_HELPER, 0, 0, op_bind_sources_open},
};

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

/* Refuses an op outside its phase or short of arguments before its handler reads them. */
static void run_step(const struct step *s, enum phase *phase) {
  const struct op_entry *e = s->op < OP__COUNT ? &ops[s->op] : NULL;
  if (!e || !e->handler) fail(EINVAL, "unknown op %u", s->op);
  if (!(e->phase & *phase)) fail(EINVAL, "op %u runs only %s the fork", s->op, e->phase == PHASE_HELPER ? "before" : "after");
  if (s->nint < e->nint || s->nstr < e->nstr) fail(EINVAL, "op %u: missing arguments", s->op);
  e->handler(s);
  /* Only the forked init returns from OP_FORK: the helper reports and exits there. */
  if (s->op == OP_FORK) *phase = PHASE_INIT;
}

/* Reads one stage of the plan from the parent and runs its steps. Step numbers run on across
 * stages: an error names the step of the whole plan. */
static void run_stage(enum phase *phase) {
  uint32_t hdr[2];
  read_full(sync_fd, hdr, sizeof hdr);
  if (hdr[0] != PLAN_MAGIC) fail(EPROTO, "bad plan magic");
  uint32_t len = hdr[1];
  uint8_t *plan = malloc(len); /* kept: the steps' strings point into it */
  if (!plan) fail(ENOMEM, "plan of %u bytes", len);
  read_full(sync_fd, plan, len);
  plan_cur = plan;
  plan_end = plan + len;
  if (take_u32() != PLAN_MAGIC || take_u32() != PLAN_VERSION) fail(EPROTO, "plan version mismatch");
  uint32_t nsteps = take_u32();
  static struct step s;
  for (uint32_t i = 0; i < nsteps; i++, current_step++) {
    decode_step(&s);
    run_step(&s, phase);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    dprintf(2, "skiff-init: run by skiff only\n");
    return 2;
  }
  sync_fd = atoi(argv[1]);
  enum phase phase = PHASE_HELPER;
  /* The helper may get its plan in stages (its namespaces first, the rest once skiff has joined
   * it to the container's cgroups); the init's steps come in the stage with OP_FORK. */
  do run_stage(&phase);
  while (phase == PHASE_HELPER);
  fail(EINVAL, "plan ended without exec");
}
