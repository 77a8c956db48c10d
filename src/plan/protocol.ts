// The wire contract with skiff-init (native/); mirrors native/protocol.h (protocol.test.ts keeps
// the two in step).

export const PLAN_MAGIC = 0x4c504b53; // "SKPL"
export const PLAN_VERSION = 2; // 2: plans in stages (native/protocol.h)

export enum Op {
  SETNS = 1,
  UNSHARE_USER = 2,
  UNSHARE = 3,
  WRITE_FILE = 4,
  FORK = 5,
  SETSID = 6,
  MOUNT = 7,
  MKNOD = 8,
  SYMLINK = 9,
  PIVOT_ROOT = 10,
  CHROOT = 11,
  MASK_PATH = 12,
  READONLY_PATH = 13,
  SETHOSTNAME = 14,
  SETDOMAINNAME = 15,
  SETRLIMIT = 16,
  PRCTL = 17,
  UMASK = 18,
  SETGROUPS = 19,
  SETRESGID = 20,
  SETRESUID = 21,
  CAP_BOUNDING = 22,
  CAPSET = 23,
  CHDIR = 24,
  RESOLVE_EXEC = 25,
  READY = 27,
  WAIT_START = 28,
  SECCOMP = 29,
  CLOSE_FDS = 30,
  EXEC = 31,
  SYNC = 32,
  CONSOLE = 33,
  HOOK = 35,
  STARTED = 36,
  IOPRIO = 37,
  SCHED_SETATTR = 38,
  PERSONALITY = 39,
  SET_AFFINITY = 40,
  MEMPOLICY = 41,
  MOUNT_SETATTR = 42,
  IDMAP_TREE = 43,
  MOVE_TREE = 44,
  AGENT_CONNECT = 45,
  NETDEV_PREPARE = 46,
  NETDEV_MOVE = 47,
  SESSION_KEYRING = 48,
  MKDIR_IN_ROOT = 49,
  STDIO_OWNER = 50,
  BIND_SOURCES_PREPARE = 51,
  BIND_SOURCES_OPEN = 52,
}

/** OP_MOUNT mode bits. */
export const MountMode = {
  IN_ROOT: 1,
  MKDIR: 2,
  MKFILE: 4,
  KEEP_LOCKED: 16,
  ON_PROC: 32,
  DIR_ONLY: 64,
} as const;

/** OP_BIND_SOURCES_PREPARE flags, 4 bits per source. */
export const SourceFlag = {
  RBIND: 1,
  IDMAP: 2,
  RIDMAP: 4,
} as const;

/** OP_CHDIR modes: the cwd is tried as root before the user switch, retried as the user if refused. */
export const ChdirMode = {
  MUST: 0,
  TRY: 1,
  RETRY: 2,
} as const;

export enum Msg {
  PID = 1,
  MAPS = 2,
  READY = 3,
  ERROR = 4,
  EXIT = 5,
  SYNC = 6,
}

export const ACK_OK = 1;
export const ACK_FAIL = 2;

/** Tags of OP_SYNC points: where the parent acts mid-create. */
export enum SyncTag {
  /** run prestart and createRuntime hooks; answer with the state document the container's own hooks read */
  CREATE_RUNTIME = 1,
}

/** The stage of a hook the init runs, for its errors (both read the one state document). */
export enum HookStage {
  CREATE_CONTAINER = 0,
  START_CONTAINER = 1,
}
