// Pure readers for what the probe (probe.c) prints and for the kernel files it forwards:
// the report line, /proc/self/mountinfo, capability masks and /proc/self/cgroup.

/** The answer for one path option: data on success, or the errno of the failing call. */
export interface ProbeError {
  error: string;
  errno: number;
}

export interface StatResult {
  type: "c" | "b" | "p" | "d" | "l" | "s" | "f";
  mode: number;
  uid: number;
  gid: number;
  major: number;
  minor: number;
  target?: string;
}

export interface SyscallResult {
  ret: number;
  errno: string;
  sigsys: number;
}

export interface Rlimit {
  /** -1 stands for RLIM_INFINITY. */
  soft: number;
  hard: number;
}

export interface ProbeReport {
  argv: string[];
  pid: number;
  ppid: number;
  uid: number;
  euid: number;
  suid: number;
  gid: number;
  egid: number;
  sgid: number;
  groups: number[];
  umask: number;
  cwd: string | ProbeError;
  env: string[];
  hostname: string;
  domainname: string;
  /** readlink of /proc/self/ns/<kind>, e.g. "net:[4026531840]". */
  namespaces: Record<string, string | ProbeError>;
  rlimits: Record<string, Rlimit | ProbeError>;
  mountinfo: string | ProbeError;
  status: string | ProbeError;
  cgroup: string | ProbeError;
  oomScoreAdj: string | ProbeError;
  uidMap: string | ProbeError;
  gidMap: string | ProbeError;
  /** uname's machine field ("x86_64", "i686" under LINUX32). */
  machine: string;
  /** personality(0xffffffff): the current persona. */
  personality: number;
  /** sched_getscheduler (policy number), sched_getparam priority, getpriority nice. */
  sched: { policy: number; priority: number; nice: number };
  /** ioprio_get of the process: class (0 none, 1 RT, 2 BE, 3 IDLE) and level; -1 on error. */
  ioprio: { class: number; level: number };
  /** CPUs of sched_getaffinity. */
  affinity: number[];
  /** get_mempolicy: mode (MPOL_* number, or -errno) and the first word of the node mask. */
  mempolicy: { mode: number; nodes: number };
  /** clock_gettime in seconds. */
  clocks: { monotonic: number; boottime: number };
  /** --syscall "NAME ARG0": raw return value, errno name ("" if none), SIGSYS's si_syscall or -1. */
  syscall: Record<string, SyscallResult | ProbeError>;
  sysctl: Record<string, string | ProbeError>;
  stat: Record<string, StatResult | ProbeError>;
  read: Record<string, string | ProbeError>;
  list: Record<string, string[] | ProbeError>;
  write: Record<string, { ok: true } | ProbeError>;
  mkdir: Record<string, { ok: true } | ProbeError>;
  openRw: Record<string, { ok: true } | ProbeError>;
}

export const REPORT_PREFIX = "PROBE-REPORT ";

/** Finds the probe's report among whatever else shared the container's stdout. */
export function parseProbeOutput(stdout: string): ProbeReport {
  const line = stdout.split("\n").find((l) => l.startsWith(REPORT_PREFIX));
  if (line === undefined) {
    throw new Error(`no probe report in the container's output: ${JSON.stringify(stdout.slice(0, 500))}`);
  }
  return JSON.parse(line.slice(REPORT_PREFIX.length)) as ProbeReport;
}

export function isProbeError(value: unknown): value is ProbeError {
  return typeof value === "object" && value !== null && "error" in value && "errno" in value;
}

/** The value, or a thrown description of the errno the probe saw while reading it. */
export function probeValue<T>(value: T | ProbeError | undefined, what: string): T {
  if (value === undefined) throw new Error(`the probe did not report ${what}`);
  if (isProbeError(value)) throw new Error(`the probe could not read ${what}: ${value.error}`);
  return value;
}

export interface MountInfo {
  id: number;
  parentId: number;
  /** major:minor */
  device: string;
  root: string;
  mountPoint: string;
  /** Per-mount options (ro, nosuid, nodev, noexec, relatime...). */
  options: string[];
  /** Optional fields: shared:N, master:N, propagate_from:N, unbindable. */
  optionalFields: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/** Undoes the octal escapes (\040 for space...) the kernel uses in mountinfo paths. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses /proc/PID/mountinfo (proc(5)). Lines keep their order: the order of mounting. */
export function parseMountInfo(text: string): MountInfo[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const fields = line.split(" ");
      const separator = fields.indexOf("-", 6);
      if (separator < 0 || fields.length < separator + 3) {
        throw new Error(`malformed mountinfo line: ${line}`);
      }
      return {
        id: Number(fields[0]),
        parentId: Number(fields[1]),
        device: fields[2]!,
        root: unescapeMountPath(fields[3]!),
        mountPoint: unescapeMountPath(fields[4]!),
        options: fields[5]!.split(","),
        optionalFields: fields.slice(6, separator),
        fsType: fields[separator + 1]!,
        source: unescapeMountPath(fields[separator + 2]!),
        superOptions: (fields[separator + 3] ?? "").split(",").filter((o) => o !== ""),
      };
    });
}

/** The mount visible at a path: the last one mounted there (later mounts cover earlier ones). */
export function mountAt(mounts: MountInfo[], mountPoint: string): MountInfo | undefined {
  return mounts.filter((m) => m.mountPoint === mountPoint).at(-1);
}

/** capabilities(7) names indexed by their number (linux/capability.h, up to CAP_CHECKPOINT_RESTORE). */
export const CAPABILITY_NAMES: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
];

/** Turns a CapXxx hex mask from /proc/PID/status into sorted capability names. */
export function capabilityNames(hexMask: string): string[] {
  const mask = BigInt(`0x${hexMask}`);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) names.push(CAPABILITY_NAMES[bit] ?? `CAP_${bit}`);
  }
  return names.sort();
}

/** One "Key:\tvalue" field of /proc/PID/status. */
export function statusField(status: string, field: string): string | undefined {
  const line = status.split("\n").find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim();
}

export interface CgroupMembership {
  hierarchyId: number;
  /** Controllers bound to the hierarchy; empty for cgroup v2, ["name=systemd"] for named ones. */
  controllers: string[];
  path: string;
}

/** Parses /proc/PID/cgroup ("hierarchy-ID:controller-list:cgroup-path" lines). */
export function parseCgroupFile(text: string): CgroupMembership[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const first = line.indexOf(":");
      const second = line.indexOf(":", first + 1);
      const list = line.slice(first + 1, second);
      return {
        hierarchyId: Number(line.slice(0, first)),
        controllers: list === "" ? [] : list.split(","),
        path: line.slice(second + 1),
      };
    });
}
