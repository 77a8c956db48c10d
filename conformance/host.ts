// Facts about the runner's own namespaces and cgroups, and where a container's cgroups land.
import * as fs from "node:fs";
import * as path from "node:path";
import { check } from "./assert.js";
import { parseCgroupFile, parseMountInfo } from "./probe-report.js";

/** Facts about the runtime namespace (the runner's own), read once per run. */
export interface HostFacts {
  /** readlink of /proc/self/ns/<kind>. */
  namespaces: Record<string, string>;
  oomScoreAdj: string;
  cgroupMounts: { mountPoint: string; fsType: string; controllers: string[] }[];
  /** The runner's own cgroup in each hierarchy (/proc/self/cgroup). */
  ownCgroups: { controllers: string[]; path: string }[];
}

export function readHostFacts(): HostFacts {
  const namespaces: Record<string, string> = {};
  for (const kind of fs.readdirSync("/proc/self/ns")) namespaces[kind] = fs.readlinkSync(`/proc/self/ns/${kind}`);
  const cgroupMounts = parseMountInfo(fs.readFileSync("/proc/self/mountinfo", "utf8"))
    .filter((m) => m.fsType === "cgroup" || m.fsType === "cgroup2")
    .map((m) => ({
      mountPoint: m.mountPoint,
      fsType: m.fsType,
      // v1 super options list the controllers (and name=...); v2 has none.
      controllers: m.fsType === "cgroup2" ? [] : m.superOptions.filter((o) => o !== "rw" && o !== "ro"),
    }));
  return {
    namespaces,
    oomScoreAdj: fs.readFileSync("/proc/self/oom_score_adj", "utf8").trim(),
    cgroupMounts,
    ownCgroups: parseCgroupFile(fs.readFileSync("/proc/self/cgroup", "utf8")),
  };
}

/**
 * The realtime runtime (µs per period) the root v1 cpu cgroup has not handed to its children:
 * a new group may take at most that much. undefined without a v1 cpu hierarchy with realtime
 * groups (pure v2, or a kernel without CONFIG_RT_GROUP_SCHED).
 */
export function freeRealtimeRuntime(host: HostFacts): number | undefined {
  const root = host.cgroupMounts.find((m) => m.fsType === "cgroup" && m.controllers.includes("cpu"))?.mountPoint;
  if (root === undefined || !fs.existsSync(path.join(root, "cpu.rt_runtime_us"))) return undefined;
  const runtime = (dir: string) => Math.max(0, Number(fs.readFileSync(path.join(dir, "cpu.rt_runtime_us"), "utf8")));
  const children = fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory());
  return runtime(root) - children.reduce((sum, e) => sum + runtime(path.join(root, e.name)), 0);
}

/**
 * The host directory of process `pid`'s cgroup in the hierarchy holding `controller`
 * ("" for the cgroup v2 hierarchy), or undefined when no such hierarchy is mounted.
 */
export function hostCgroupDir(host: HostFacts, pid: number, controller: string): string | undefined {
  check(fs.existsSync(`/proc/${pid}/cgroup`), `the runtime's pid ${pid} names no process`);
  const memberships = parseCgroupFile(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8"));
  const membership = memberships.find((m) =>
    controller === "" ? m.controllers.length === 0 : m.controllers.includes(controller),
  );
  const mount = host.cgroupMounts.find((m) =>
    controller === "" ? m.fsType === "cgroup2" : m.controllers.includes(controller),
  );
  if (membership === undefined || mount === undefined) return undefined;
  return path.join(mount.mountPoint, membership.path);
}

/** `cgroupsPath` under the runner's own cgroup in each mounted hierarchy (where runc puts it). */
export function underOwnCgroups(host: HostFacts, cgroupsPath: string): string[] {
  return host.cgroupMounts.flatMap((mount) => {
    const own = host.ownCgroups.find((c) =>
      mount.fsType === "cgroup2" ? c.controllers.length === 0 : c.controllers.join(",") === mount.controllers.join(","),
    );
    return own ? [path.join(mount.mountPoint, own.path, cgroupsPath)] : [];
  });
}

/** Where a runtime may put a relative cgroupsPath: under our own cgroup, or under the root. */
function cgroupCandidates(host: HostFacts, cgroupsPath: string): string[] {
  const atRoot = host.cgroupMounts.map((mount) => path.join(mount.mountPoint, cgroupsPath));
  return [...new Set([...underOwnCgroups(host, cgroupsPath), ...atRoot])];
}

/** Removes a cgroup directory tree bottom-up (rmdir is how cgroups are removed). */
export function removeCgroupTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name));
  }
  fs.rmdirSync(dir);
}

/** Which of the places a relative cgroupsPath may land exist right now. */
export function existingCgroupDirs(host: HostFacts, cgroupsPath: string): string[] {
  return cgroupCandidates(host, cgroupsPath).filter((dir) => fs.existsSync(dir));
}
