// Where a container's init is born in its cgroup (clone3 with CLONE_INTO_CGROUP: cgroup v2,
// Linux 5.7) instead of skiff-init being moved there first. A move takes the kernel's
// cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period (docs/architecture.md);
// a birth in the cgroup does not, and leaves create nothing to wait for. Left out: the systemd
// driver (systemd moves the process it is given into the unit it starts), a rootless create (its
// cgroups may be partly or not at all writable: it joins what it can), and a container with a
// user namespace (skiff-init is in it by then, and may no longer write the cgroup: EACCES).
// Imported by the start-up warm-up too, which skips its move when no move will follow (it cannot
// know of a user namespace yet: such a create joins unwarmed).
import { readFileThroughLibc } from "../linux/io.js";

/** Whether a kernel release ("6.1.0-18-amd64") is at least major.minor. */
export function kernelAtLeast(release: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m !== null && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}

/** `kernelRelease` is asked only when the rest allows a clone: most hosts never read it. */
export function initBornInCgroup(c: { pureV2: boolean; systemd: boolean; rootless: boolean; userNamespace: boolean; kernelRelease: () => string }): boolean {
  return c.pureV2 && !c.systemd && !c.rootless && !c.userNamespace && kernelAtLeast(c.kernelRelease(), 5, 7);
}

let release: string | undefined;

/** This kernel's release, read once per process (the warm-up and create both ask). */
export function ownKernelRelease(): string {
  release ??= readFileThroughLibc("/proc/sys/kernel/osrelease");
  return release;
}
