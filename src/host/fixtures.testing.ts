// Test support: HostFacts of three made-up hosts, so that plan/ tests state what each kind of
// host gives instead of asserting this machine's facts. The mountinfo texts are the layouts
// src/cgroups/mounts.test.ts parses; capabilities and limits are those of a root runtime.
import type { HostFacts } from "./facts.js";

const LIMITS: [bigint, bigint][] = Array.from({ length: 16 }, () => [0xffffffffffffffffn, 0xffffffffffffffffn]);
LIMITS[7] = [1024n, 1048576n]; // RLIMIT_NOFILE
LIMITS[3] = [8388608n, 0xffffffffffffffffn]; // RLIMIT_STACK

const base: Omit<HostFacts, "mountinfo"> = {
  euid: 0,
  egid: 0,
  inUserNamespace: false,
  // CAP_CHOWN..CAP_CHECKPOINT_RESTORE (0-40), less CAP_SYS_RESOURCE (24): a runtime whose
  // bounding set was narrowed, as on the development VM.
  capabilities: { bounding: 0x1fffeffffffn, effective: 0x1fffeffffffn, lastCap: 40 },
  limits: LIMITS,
  lsm: { apparmor: false, selinux: false },
  resctrl: false,
  numaNodes: [0],
};

export const HOSTS: Record<"v1" | "hybrid" | "v2", HostFacts> = {
  v1: {
    ...base,
    mountinfo: `25 20 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu,cpuacct
28 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory
29 25 0:26 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,pids
`,
  },
  hybrid: {
    ...base,
    mountinfo: `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`,
  },
  v2: {
    ...base,
    // a full bounding set, AppArmor, resctrl and two NUMA nodes: a newer server
    capabilities: { bounding: 0x1ffffffffffn, effective: 0x1ffffffffffn, lastCap: 40 },
    lsm: { apparmor: true, selinux: false },
    resctrl: true,
    numaNodes: [0, 1],
    mountinfo: `30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
40 23 0:40 / /sys/fs/resctrl rw,relatime - resctrl resctrl rw
`,
  },
};

/** A host's facts with some changed (an unprivileged runtime, fewer capabilities). */
export function hostWith(kind: keyof typeof HOSTS, changes: Partial<HostFacts>): HostFacts {
  return { ...HOSTS[kind], ...changes };
}
