// What the integration tests need to know about the host they run on, read from the kernel's
// own files (not through skiff's code, which is what they test): the cgroup mode and
// controllers, the bounding set, the active LSMs, the NUMA nodes, the root disk. Tests check
// what is right for this host, or skip saying what the host lacks: the same suite runs on the
// hybrid CI machine, in the pure-v2 test guest (docs/test-guest.md) and on users' machines.
import * as fs from "node:fs";
import * as path from "node:path";
import { capabilityNames } from "../plan/capabilities.js"; // the names only

export type CgroupMode = "v1" | "hybrid" | "v2";

interface CgroupMount {
  mountPoint: string;
  fsType: "cgroup" | "cgroup2";
  /** v1: the controllers (and name=...) the hierarchy carries; v2: none listed */
  options: string[];
}

/** Each mountinfo line as its fields; the fields after " - " (type, source, super options) follow. */
function mountinfoLines(): string[][] {
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const [before, after] = line.split(" - ");
      return [...before!.split(" ").slice(0, 6), ...after!.split(" ")];
    });
}

function cgroupMounts(): CgroupMount[] {
  return mountinfoLines().flatMap((f) => {
    const [fsType, , superOptions] = f.slice(6);
    if (fsType !== "cgroup" && fsType !== "cgroup2") return [];
    return [{ mountPoint: f[4]!, fsType, options: superOptions!.split(",").filter((o) => o !== "rw" && o !== "ro") }];
  });
}

function readTrimmed(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** "0-1,3" → [0, 1, 3] (the kernel's list format, as in /sys/devices/system/node/online). */
function parseList(list: string): number[] {
  return list
    .split(",")
    .filter((p) => p !== "")
    .flatMap((part) => {
      const [lo, hi] = part.split("-").map(Number) as [number, number | undefined];
      return Array.from({ length: (hi ?? lo) - lo + 1 }, (_, i) => lo + i);
    });
}

/** v1 hierarchies only, v1 controllers beside a cgroup2 tree, or one cgroup2 tree at /sys/fs/cgroup. */
export const cgroupMode: CgroupMode = (() => {
  const mounts = cgroupMounts();
  if (mounts.some((m) => m.fsType === "cgroup2" && m.mountPoint === "/sys/fs/cgroup")) return "v2";
  return mounts.some((m) => m.fsType === "cgroup2") ? "hybrid" : "v1";
})();

/** Where the cgroup2 tree is mounted (v2 or hybrid), else undefined. */
export const cgroup2Mount: string | undefined = cgroupMounts().find((m) => m.fsType === "cgroup2")?.mountPoint;

/**
 * The shell command that mounts the cgroup2 tree at `dir` (in a test's private mount namespace)
 * with the options it is mounted with now. A cgroup2 mount made from the initial cgroup namespace
 * sets the tree's root flags for the whole machine to the options it names: a bare one would turn
 * off systemd's nsdelegate and memory_recursiveprot everywhere.
 */
export function cgroup2MountCommand(dir: string): string {
  const options = cgroupMounts().find((m) => m.fsType === "cgroup2")?.options ?? [];
  return `mount -t cgroup2${options.length > 0 ? ` -o ${options.join(",")}` : ""} none "${dir}"`;
}

/** Where the cgroup hierarchies are mounted (v1 ones and the cgroup2 tree). */
export const cgroupMountPoints: string[] = cgroupMounts().map((m) => m.mountPoint);

/** Controllers on cgroup v1 hierarchies (none on a pure v2 host): /proc/cgroups rows with a hierarchy. */
export const v1Controllers: string[] = fs
  .readFileSync("/proc/cgroups", "utf8")
  .split("\n")
  .filter((l) => l !== "" && !l.startsWith("#"))
  .map((l) => l.split("\t"))
  .filter(([, hierarchy, , enabled]) => hierarchy !== "0" && enabled === "1")
  .map(([name]) => name!);

/** Controllers the cgroup2 tree offers at its root (empty on hybrid hosts whose controllers are all on v1). */
export const v2Controllers: string[] = cgroup2Mount === undefined ? [] : (readTrimmed(path.join(cgroup2Mount, "cgroup.controllers")) ?? "").split(" ").filter((c) => c !== "");

/** This process's cgroup in the v2 tree ("0::" line of /proc/self/cgroup), e.g. "/" or "/system.slice/x.service". */
export function ownCgroup2(pid: number | "self" = "self"): string {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.startsWith("0::"));
  return line === undefined ? "/" : line.slice(3);
}

/** Whether the systemd cgroup driver can work here: pure cgroup v2 with systemd running (PID 1). */
export const systemdRunning: boolean = cgroupMode === "v2" && fs.existsSync("/run/systemd/system");

/** systemd running (PID 1) on a v1 or hybrid host: it runs the v1 hierarchies, as on older distributions. */
export const systemdOnV1: boolean = cgroupMode !== "v2" && fs.existsSync("/run/systemd/system");

/** The bounding set of this (root) process, the most a container can be given. */
export const boundingSet: bigint = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync("/proc/self/status", "utf8"))![1]}`);

/** Whether capability `name` is in the bounding set (as root, the runtime then holds it). */
export function hasCapability(name: string): boolean {
  return capabilityNames(boundingSet).includes(name);
}

/** A capability this kernel knows but the bounding set lacks (CAP_SYS_RESOURCE on the CI machine), if any. */
export const lackingCapability: string | undefined = capabilityNames(((1n << BigInt(Number(fs.readFileSync("/proc/sys/kernel/cap_last_cap", "utf8")) + 1)) - 1n) & ~boundingSet)[0];

/** Whether AppArmor / SELinux is enabled (the files runc's libraries read). */
export const appArmorEnabled: boolean = readTrimmed("/sys/module/apparmor/parameters/enabled") === "Y";
export const seLinuxEnabled: boolean = fs.existsSync("/sys/fs/selinux/enforce");

/** The NUMA nodes; [0] on a kernel without NUMA. */
export const numaNodes: number[] = parseList(readTrimmed("/sys/devices/system/node/online") ?? "0");

/** Whether resctrl (Intel RDT) is mounted. */
export const resctrlMounted: boolean = mountinfoLines().some((f) => f[6] === "resctrl");

/** The whole disk ("major:minor") that / lives on, or undefined when / is not on a block device (a tmpfs/9p/overlay root). */
export const rootDisk: string | undefined = (() => {
  // mountinfo's third field is the st_dev of the mount; the last mount at / is the one seen.
  const id = mountinfoLines().filter((f) => f[4] === "/").at(-1)?.[2];
  const sys = `/sys/dev/block/${id}`;
  if (id === undefined || !fs.existsSync(sys)) return undefined;
  // A partition's directory sits inside its disk's; throttles and weights take the disk.
  return fs.existsSync(path.join(sys, "partition")) ? readTrimmed(path.join(fs.realpathSync(sys), "../dev")) : id;
})();

/**
 * The host directory of process `pid`'s cgroup for `controller`: on its v1 hierarchy when the
 * controller is on v1 here, else in the cgroup2 tree (also for controller "").
 */
export function cgroupDirOf(pid: number, controller: string): string {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").filter((l) => l !== "");
  if (controller !== "" && v1Controllers.includes(controller)) {
    const line = lines.find((l) => l.split(":")[1]!.split(",").includes(controller));
    const mount = cgroupMounts().find((m) => m.fsType === "cgroup" && m.options.includes(controller));
    if (line === undefined || mount === undefined) throw new Error(`process ${pid} has no ${controller} cgroup`);
    return path.join(mount.mountPoint, line.split(":").slice(2).join(":"));
  }
  if (cgroup2Mount === undefined) throw new Error("this host has no cgroup2 tree");
  return path.join(cgroup2Mount, ownCgroup2(pid));
}
