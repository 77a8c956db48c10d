/*
 * The wire contract between skiff's TypeScript side and skiff-init.
 * Mirrored by src/plan/protocol.ts; src/plan/protocol.test.ts fails if the two drift.
 *
 * A plan comes in one stage or more, each sent as u32 magic, u32 byte length, then: u32 magic,
 * u32 version, u32 step count, then steps. Stages end before OP_FORK or with the plan. A step is:
 * u32 op, u32 int count, u32 string count, the ints (i64 little-endian), then the strings
 * (u32 byte length, the bytes, one NUL). Strings may hold binary data (the seccomp program).
 */
#ifndef SKIFF_PROTOCOL_H
#define SKIFF_PROTOCOL_H

#define PLAN_MAGIC 0x4c504b53u /* "SKPL" */
#define PLAN_VERSION 2u /* 2: plans in stages */

/* Numbers of removed ops (26, 34) are not reused. Which phase each op runs in: main.c. */
enum plan_op {
  /* helper phase: runs in the exec'd helper before the container's init is forked */
  OP_SETNS = 1,         /* ints: nstype; strs: path */
  OP_UNSHARE_USER = 2,  /* new user namespace; the parent writes the id maps */
  OP_UNSHARE = 3,       /* ints: CLONE_NEW* flags */
  OP_WRITE_FILE = 4,    /* strs: path, content (a procfs file) */
  OP_FORK = 5,          /* ints: wait (1: stay and report the init's exit status), [fd of a cgroup.procs the waiting helper moves to]; strs: [cgroup v2 dir to clone the init into] */
  /* init phase: runs in the container's init, in its namespaces */
  OP_SETSID = 6,
  OP_MOUNT = 7,         /* ints: mountflags, mode bits (MOUNT_*); strs: source, target, fstype, data, rootfs */
  OP_MKNOD = 8,         /* ints: st_mode, major, minor, uid, gid, strict; strs: rootfs, path */
  OP_SYMLINK = 9,       /* strs: rootfs, target, linkpath */
  OP_PIVOT_ROOT = 10,   /* strs: rootfs */
  OP_CHROOT = 11,       /* ints: move (MS_MOVE onto / first: --no-pivot); strs: rootfs, mounts to detach (or cover) first */
  OP_MASK_PATH = 12,    /* strs: path */
  OP_READONLY_PATH = 13,/* strs: path */
  OP_SETHOSTNAME = 14,  /* strs: name */
  OP_SETDOMAINNAME = 15,/* strs: name */
  OP_SETRLIMIT = 16,    /* ints: resource, soft, hard (-1: infinity) */
  OP_PRCTL = 17,        /* ints: option, arg2, arg3 */
  OP_UMASK = 18,        /* ints: mask */
  OP_SETGROUPS = 19,    /* ints: gids */
  OP_SETRESGID = 20,    /* ints: gid */
  OP_SETRESUID = 21,    /* ints: uid */
  OP_CAP_BOUNDING = 22, /* ints: mask of capabilities to keep */
  OP_CAPSET = 23,       /* ints: effective, permitted, inheritable, ambient masks */
  OP_CHDIR = 24,        /* ints: CHDIR_* mode; strs: path */
  OP_RESOLVE_EXEC = 25, /* strs: file, PATH value */
  OP_READY = 27,        /* tell the parent the container is created */
  OP_WAIT_START = 28,   /* ints: fd of the state directory (O_PATH); strs: fifo name in it */
  OP_SECCOMP = 29,      /* ints: seccomp(2) flags; strs: BPF program[, agent message pieces joined by the init's pid] */
  OP_CLOSE_FDS = 30,    /* ints: first fd not kept */
  OP_EXEC = 31,         /* ints: argc; strs: argv..., envp... */
  OP_SYNC = 32,         /* ints: tag; the parent acts (e.g. runs hooks) and acknowledges */
  OP_CONSOLE = 33,      /* ints: console socket fd, rows, cols, bind at /dev/console (0|1); strs: ptmx path */
  OP_HOOK = 35,         /* ints: timeout (s, 0: none), state document index, argc, hook index; strs: path, argv..., envp... */
  OP_STARTED = 36,      /* tell `start` the program is about to be executed ("0" on exec.fifo) */
  OP_IOPRIO = 37,       /* ints: ioprio value for ioprio_set(IOPRIO_WHO_PROCESS, 0) */
  OP_SCHED_SETATTR = 38,/* strs: struct sched_attr */
  OP_PERSONALITY = 39,  /* ints: persona */
  OP_SET_AFFINITY = 40, /* strs: cpu mask (bytes of a cpu_set_t, cpu 0 = bit 0 of byte 0) */
  OP_MEMPOLICY = 41,    /* ints: mode | flags; strs: node mask (bytes, node 0 = bit 0 of byte 0) */
  OP_MOUNT_SETATTR = 42,/* ints: attr_set, attr_clr, recursive; strs: rootfs, target (in root) */
  OP_IDMAP_TREE = 43,   /* helper: ints: slot, rbind, ridmap; strs: source, uid_map, gid_map: an idmapped detached copy */
  OP_MOVE_TREE = 44,    /* ints: slot, mode bits (MOUNT_*); strs: rootfs, target: attach the tree of OP_IDMAP_TREE or OP_BIND_SOURCES_OPEN */
  OP_AGENT_CONNECT = 45,/* strs: socket path: connect to the seccomp agent (before the host paths go away) */
  OP_NETDEV_PREPARE = 46,/* helper, before the namespaces: strs: host name, container name, ... */
  OP_NETDEV_MOVE = 47,  /* helper, in the container's network namespace: move the prepared devices here */
  OP_SESSION_KEYRING = 48, /* strs: name: join a new session keyring of that name */
  OP_MKDIR_IN_ROOT = 49, /* strs: rootfs, path: a directory and its missing parents, resolved inside rootfs */
  OP_STDIO_OWNER = 50,  /* ints: uid: give fds 0-2 (a pty, a pipe; not /dev/null) that owner, keeping their group */
  OP_BIND_SOURCES_PREPARE = 51, /* helper, before the namespaces: ints: first slot, flags (4 bits each); strs: source, uid_map, gid_map each: fork the opener */
  OP_BIND_SOURCES_OPEN = 52,    /* helper, in the container's mount namespace: the opener clones each source there */
  OP__COUNT
};

/* OP_MOUNT mode bits */
#define MOUNT_IN_ROOT 1u        /* target is relative to rootfs and resolved inside it */
#define MOUNT_MKDIR 2u          /* create a missing target as a directory */
#define MOUNT_MKFILE 4u         /* create a missing target as an empty file */
#define MOUNT_KEEP_LOCKED 16u   /* on EPERM retry a remount with the mount's locked flags */
#define MOUNT_ON_PROC 32u       /* the target may be on procfs (/proc itself, runc's lxcfs allow-list) */
#define MOUNT_DIR_ONLY 64u      /* the target must be a real directory, reached through no symlink (procfs, sysfs) */

/* OP_BIND_SOURCES_PREPARE flags, per source */
#define SOURCE_RBIND 1u   /* clone the mounts below the source too */
#define SOURCE_IDMAP 2u   /* idmap the clone with the source's uid_map/gid_map */
#define SOURCE_RIDMAP 4u  /* ... and the mounts below it */

/* OP_CHDIR modes */
#define CHDIR_MUST 0u    /* fail on any error */
#define CHDIR_TRY 1u     /* as root, before the user switch: refused for permissions, retried later */
#define CHDIR_RETRY 2u   /* as the target user, only if CHDIR_TRY was refused */

/* messages from the helper/init to the parent: struct msg + len bytes of text */
enum msg_type {
  MSG_PID = 1,    /* a: the init's pid */
  MSG_MAPS = 2,   /* a: pid whose uid_map/gid_map the parent must write */
  MSG_READY = 3,
  MSG_ERROR = 4,  /* a: step index, b: errno; text: detail */
  MSG_EXIT = 5,   /* a: wait status of the init */
  MSG_SYNC = 6,   /* a: tag of an OP_SYNC */
};

/* An acknowledgement is u32 ACK_OK|ACK_FAIL, u32 document count, then (u32 length, bytes) each. */
#define ACK_OK 1u
#define ACK_FAIL 2u

#endif
