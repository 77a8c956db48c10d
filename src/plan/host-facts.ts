// What this host offers that the plan depends on: security modules, resctrl, NUMA nodes. Read
// here, by `create`, and handed to the pure plan compiler (PlanInput.host).
import * as fs from "node:fs";
import { parseIdList } from "./cpu-list.js";

export interface HostFacts {
  /** Which security modules can take process.apparmorProfile / process.selinuxLabel. */
  lsm: { apparmor: boolean; selinux: boolean };
  /** A resctrl filesystem is mounted in the runtime's mount namespace (linux.intelRdt). */
  resctrl: boolean;
  /** The online NUMA nodes (linux.memoryPolicy). */
  numaNodes: number[];
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** `mountinfo`: /proc/self/mountinfo when the caller has read it already (create does). */
export function hostFacts(mountinfo = read("/proc/self/mountinfo") ?? ""): HostFacts {
  return {
    lsm: {
      apparmor: read("/sys/module/apparmor/parameters/enabled")?.trim() === "Y",
      selinux: fs.existsSync("/sys/fs/selinux/enforce"),
    },
    resctrl: mountinfo.split("\n").some((l) => l.split(" - ")[1]?.startsWith("resctrl ")),
    numaNodes: parseIdList(read("/sys/devices/system/node/online")?.trim() ?? "0", "/sys/devices/system/node/online"),
  };
}
