// The one reader of /proc/self/mountinfo, read once per process: HostFacts (facts.ts), the cgroup
// warm-up, which runs before the rest of skiff is loaded, and the cgroup manager (which a later
// command uses without HostFacts) all take this snapshot. A command never changes its own mounts,
// and on a busy host the file runs to hundreds of lines. This module must stay this small.
// node:fs, fetched here: the warm-up runs before the platform (and with it libc) is set.
let mountinfo: string | undefined;

export function readOwnMountinfo(): string {
  mountinfo ??= process.getBuiltinModule("node:fs").readFileSync("/proc/self/mountinfo", "utf8");
  return mountinfo;
}
