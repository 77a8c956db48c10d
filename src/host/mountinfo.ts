// The one reader of /proc/self/mountinfo, read once per process: HostFacts (facts.ts), the cgroup
// warm-up, which runs as soon as the platform is set, and the cgroup manager (which a later
// command uses without HostFacts) all take this snapshot. A command never changes its own mounts,
// and on a busy host the file runs to hundreds of lines. This module must stay this small.
import { readFileThroughLibc } from "../linux/io.js";

let mountinfo: string | undefined;

export function readOwnMountinfo(): string {
  mountinfo ??= readFileThroughLibc("/proc/self/mountinfo");
  return mountinfo;
}
