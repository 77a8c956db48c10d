// The host as one command sees it, read once: who we are, the mounts, our capabilities and
// limits, the security modules, resctrl and the NUMA nodes. `plan/` never reads the host; it
// takes these facts as input, so its tests pass fixtures (src/host/fixtures.testing.ts) for v1,
// hybrid and v2 hosts instead of asserting this machine's.
import { SkiffError } from "../errors.js";
import { readFileThroughLibc } from "../linux/io.js";
import { exists } from "../linux/libc.js";
import { parseProcLimits } from "../plan/rlimits.js";
import { parseIdList } from "../spec/id-list.js";
import { ownIdentity, type Identity } from "./identity.js";
import { readOwnMountinfo } from "./mountinfo.js";

export interface HostFacts extends Identity {
  /** /proc/self/mountinfo (the cgroup hierarchies, resctrl). */
  mountinfo: string;
  capabilities: {
    /** CapBnd: what this process (and so a container without a user namespace) can hold. */
    bounding: bigint;
    /** CapEff: CAP_SYS_RESOURCE here lets a container raise hard limits. */
    effective: bigint;
    /** /proc/sys/kernel/cap_last_cap: the highest capability number this kernel knows. */
    lastCap: number;
  };
  /** /proc/self/limits: [soft, hard] per resource number, which the init inherits. */
  limits: [bigint, bigint][];
  /** Which security modules can take process.apparmorProfile / process.selinuxLabel. */
  lsm: { apparmor: boolean; selinux: boolean };
  /** A resctrl filesystem is mounted in the runtime's mount namespace (linux.intelRdt). */
  resctrl: boolean;
  /** The online NUMA nodes (linux.memoryPolicy). */
  numaNodes: number[];
}

function read(file: string): string | undefined {
  return tryRead(() => readFileThroughLibc(file));
}

function tryRead(reader: () => string): string | undefined {
  try {
    return reader();
  } catch {
    return undefined;
  }
}

/** One capability line of a /proc/PID/status text (CapBnd, CapEff, ...) as a mask. */
export function capabilityField(status: string, field: "CapInh" | "CapPrm" | "CapEff" | "CapBnd" | "CapAmb"): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, "m").exec(status);
  if (!m) throw new SkiffError("Internal", `/proc/self/status has no ${field} line`);
  return BigInt(`0x${m[1]}`);
}

/** Whether a mountinfo text shows a resctrl mount. */
export function hasResctrl(mountinfo: string): boolean {
  return mountinfo.split("\n").some((l) => l.split(" - ")[1]?.startsWith("resctrl "));
}

let snapshot: HostFacts | undefined;

/** The host facts of this command, read on first use. */
export function hostFacts(): HostFacts {
  if (snapshot) return snapshot;
  const mountinfo = tryRead(readOwnMountinfo) ?? "";
  const status = readFileThroughLibc("/proc/self/status");
  const nodes = read("/sys/devices/system/node/online")?.trim() ?? "0";
  snapshot = {
    ...ownIdentity(),
    mountinfo,
    capabilities: {
      bounding: capabilityField(status, "CapBnd"),
      effective: capabilityField(status, "CapEff"),
      lastCap: Number(readFileThroughLibc("/proc/sys/kernel/cap_last_cap").trim()),
    },
    limits: parseProcLimits(readFileThroughLibc("/proc/self/limits")),
    lsm: {
      apparmor: read("/sys/module/apparmor/parameters/enabled")?.trim() === "Y",
      selinux: exists("/sys/fs/selinux/enforce"),
    },
    resctrl: hasResctrl(mountinfo),
    numaNodes: parseIdList(nodes),
  };
  return snapshot;
}
