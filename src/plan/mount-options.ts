// mount(8)-style option words of `mounts[].options` → mount(2) flags, propagation and data.

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const;

export interface MountOptions {
  /** Flags for the mount itself (and the bind remount). */
  flags: number;
  /** Flags this mount clears (e.g. "rw", "suid"): only relevant to decide on a remount. */
  cleared: number;
  /** MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_UNBINDABLE, with MS_REC for the r* forms; 0 if none. */
  propagation: number;
  bind: boolean;
  recursive: boolean;
  /** Filesystem-specific options, comma separated ("mode=755,size=65536k"). */
  data: string;
  /** The recursive options (rro, rnosuid...): mount_setattr(AT_RECURSIVE) attributes. */
  recursiveAttrs?: MountAttrs;
  /** "idmap" or "ridmap": the mount is idmapped (recursively for ridmap). */
  idmap?: "idmap" | "ridmap";
}

/** struct mount_attr's attr_set and attr_clr (linux/mount.h MOUNT_ATTR_*). */
export interface MountAttrs {
  set: number;
  clr: number;
}

export const MOUNT_ATTR = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  ATIME_MASK: 0x70,
  RELATIME: 0x0,
  NOATIME: 0x10,
  STRICTATIME: 0x20,
  NODIRATIME: 0x80,
  NOSYMFOLLOW: 0x200000,
} as const;

/** rX sets attribute A, its opposite clears it. */
const RECURSIVE_FLAGS: Record<string, [set: number, clr: number]> = {
  rro: [MOUNT_ATTR.RDONLY, 0],
  rrw: [0, MOUNT_ATTR.RDONLY],
  rnosuid: [MOUNT_ATTR.NOSUID, 0],
  rsuid: [0, MOUNT_ATTR.NOSUID],
  rnodev: [MOUNT_ATTR.NODEV, 0],
  rdev: [0, MOUNT_ATTR.NODEV],
  rnoexec: [MOUNT_ATTR.NOEXEC, 0],
  rexec: [0, MOUNT_ATTR.NOEXEC],
  rnodiratime: [MOUNT_ATTR.NODIRATIME, 0],
  rdiratime: [0, MOUNT_ATTR.NODIRATIME],
  rnosymfollow: [MOUNT_ATTR.NOSYMFOLLOW, 0],
  rsymfollow: [0, MOUNT_ATTR.NOSYMFOLLOW],
};

/**
 * The atime options pick one of three modes; the kernel takes a mode only with the whole
 * MOUNT_ATTR__ATIME mask cleared. Clearing noatime or strictatime ("ratime", "rnostrictatime")
 * returns to the kernel's default, relatime; "rnorelatime" means always update (strictatime).
 */
const RECURSIVE_ATIME: Record<string, number> = {
  rrelatime: MOUNT_ATTR.RELATIME,
  rnorelatime: MOUNT_ATTR.STRICTATIME,
  ratime: MOUNT_ATTR.RELATIME,
  rnoatime: MOUNT_ATTR.NOATIME,
  rstrictatime: MOUNT_ATTR.STRICTATIME,
  rnostrictatime: MOUNT_ATTR.RELATIME,
};

function addRecursive(attrs: MountAttrs, opt: string): void {
  if (opt in RECURSIVE_ATIME) {
    attrs.set = (attrs.set & ~MOUNT_ATTR.ATIME_MASK) | RECURSIVE_ATIME[opt];
    attrs.clr |= MOUNT_ATTR.ATIME_MASK;
    return;
  }
  const [set, clr] = RECURSIVE_FLAGS[opt];
  attrs.set = (attrs.set & ~clr) | set;
  attrs.clr = (attrs.clr & ~set) | clr;
}

const SET: Record<string, number> = {
  ro: MS.RDONLY,
  nosuid: MS.NOSUID,
  nodev: MS.NODEV,
  noexec: MS.NOEXEC,
  sync: MS.SYNCHRONOUS,
  remount: MS.REMOUNT,
  mand: MS.MANDLOCK,
  dirsync: MS.DIRSYNC,
  nosymfollow: MS.NOSYMFOLLOW,
  noatime: MS.NOATIME,
  nodiratime: MS.NODIRATIME,
  relatime: MS.RELATIME,
  strictatime: MS.STRICTATIME,
  lazytime: MS.LAZYTIME,
  silent: MS.SILENT,
};

const CLEAR: Record<string, number> = {
  rw: MS.RDONLY,
  suid: MS.NOSUID,
  dev: MS.NODEV,
  exec: MS.NOEXEC,
  async: MS.SYNCHRONOUS,
  nomand: MS.MANDLOCK,
  atime: MS.NOATIME,
  diratime: MS.NODIRATIME,
  norelatime: MS.RELATIME,
  nostrictatime: MS.STRICTATIME,
  nolazytime: MS.LAZYTIME,
  loud: MS.SILENT,
  symfollow: MS.NOSYMFOLLOW,
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** Options that are not mount(2) flags and must not reach the filesystem's data string. */
const IGNORED = new Set(["defaults", "auto", "noauto", "user", "nouser", "_netdev", "tmpcopyup"]);

export function parseMountOptions(options: readonly string[] = [], type?: string): MountOptions {
  let flags = 0;
  let cleared = 0;
  let propagation = 0;
  let bind = type === "bind";
  let recursive = false;
  let recursiveAttrs: MountAttrs | undefined;
  let idmap: MountOptions["idmap"];
  const data: string[] = [];
  for (const opt of options) {
    if (Object.hasOwn(RECURSIVE_FLAGS, opt) || Object.hasOwn(RECURSIVE_ATIME, opt)) {
      addRecursive((recursiveAttrs ??= { set: 0, clr: 0 }), opt);
    } else if (opt === "idmap" || opt === "ridmap") {
      idmap = opt;
    } else if (opt in SET) {
      flags |= SET[opt];
      cleared &= ~SET[opt];
    } else if (opt in CLEAR) {
      flags &= ~CLEAR[opt];
      cleared |= CLEAR[opt];
    } else if (opt in PROPAGATION) {
      propagation = PROPAGATION[opt];
    } else if (opt === "bind") {
      bind = true;
    } else if (opt === "rbind") {
      bind = true;
      recursive = true;
    } else if (!IGNORED.has(opt)) {
      data.push(opt);
    }
  }
  return { flags, cleared, propagation, bind, recursive, data: data.join(","), ...(recursiveAttrs && { recursiveAttrs }), ...(idmap && { idmap }) };
}

/** "rootfsPropagation" values. */
export function rootfsPropagationFlags(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const f = PROPAGATION[value];
  if (f === undefined) throw new Error(`unknown rootfsPropagation "${value}"`);
  return f;
}
