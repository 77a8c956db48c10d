// Moving a process into a cgroup takes a global lock (cgroup_threadgroup_rwsem) whose first
// writer waits for an RCU grace period — the largest single cost of `run` (docs/architecture.md);
// writers right after it do not wait. skiff starts one harmless move as early as it can (see
// src/warm-start.ts): this process into the cgroup it is already in (a no-op move), so the grace
// period passes during start-up, not when the container's cgroups are made. The write goes to the
// I/O pool: the move waits out the grace period, the main thread must not. Where the kernel
// expedites grace periods nothing waits (grace-period.ts), and there is no warm-up.
import { readOwnMountinfo } from "../host/mountinfo.js";
import { readFileThroughLibc } from "../linux/io.js";
import { initBornInCgroup, ownKernelRelease } from "./clone-into.js";
import { cgroupMovesWait } from "./grace-period.js";
import { modeOf, ownDirOn, parseCgroupMounts, parseProcCgroup, type Hierarchy } from "./mounts.js";

/**
 * The cgroup.procs file of the cgroup this process is in, on the hierarchy a container joins first
 * (on v2 the only one); undefined when this mount namespace does not show that cgroup.
 */
export function warmUpTarget(hierarchies: Hierarchy[], procCgroup: string): string | undefined {
  const h = hierarchies.find((x) => x.kind === "v1") ?? hierarchies[0];
  if (h === undefined) return undefined;
  const dir = ownDirOn(parseProcCgroup(procCgroup), h);
  return dir === undefined ? undefined : `${dir}/cgroup.procs`;
}

/** `command`: create, run or exec; `argv`: the whole command line. */
export function warmUpCgroupAttach(command: string, argv: readonly string[]): Promise<void> {
  try {
    if (!cgroupMovesWait()) return Promise.resolve();
    const hierarchies = parseCgroupMounts(readOwnMountinfo());
    // No move will follow when the init (or exec's process, whichever driver made its cgroup:
    // container/exec.ts) is cloned into its cgroup: the warm-up's would only hold the cgroup
    // mutex, which the container's mkdir needs, through a grace period. A container with a user
    // namespace, or an exec that must move after all, joins unwarmed.
    const pureV2 = modeOf(hierarchies) === "v2";
    const rootless = process.geteuid?.() !== 0;
    const systemd = command !== "exec" && argv.includes("--systemd-cgroup");
    if (initBornInCgroup({ pureV2, systemd, rootless, userNamespace: false, kernelRelease: ownKernelRelease })) {
      return Promise.resolve();
    }
    const target = warmUpTarget(hierarchies, readFileThroughLibc("/proc/self/cgroup"));
    // The callback form: loading fs.promises would hold the write back (~0.3 ms, docs/architecture.md).
    if (target) return new Promise((resolve) => process.getBuiltinModule("node:fs").writeFile(target, String(process.pid), () => resolve()));
  } catch {
    // only an optimisation
  }
  return Promise.resolve();
}
