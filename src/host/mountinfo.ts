// The one reader of /proc/self/mountinfo. HostFacts (facts.ts) snapshots it once per command;
// the cgroup warm-up, which runs before the rest of skiff is loaded, and the cgroup manager of a
// later command (which has no HostFacts) read it here too: this module must stay this small.
// node:fs, fetched here: the warm-up runs before the platform (and with it libc) is set.
export function readOwnMountinfo(): string {
  return process.getBuiltinModule("node:fs").readFileSync("/proc/self/mountinfo", "utf8");
}
