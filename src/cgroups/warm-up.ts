// Moving a process into a cgroup takes a global lock (cgroup_threadgroup_rwsem) whose first
// writer waits for an RCU grace period — the largest single cost of `run` (docs/architecture.md);
// writers right after it do not wait. skiff starts one harmless move as early as it can (see
// src/warm-start.ts), on a libuv thread: this process into the cgroup it is already in (a no-op
// move), so the grace period passes during start-up, not when the container's cgroups are made.
import * as fs from "node:fs";
import * as path from "node:path";
import { readOwnMountinfo } from "../host/mountinfo.js";
import { ownPathOn, parseCgroupMounts, parseProcCgroup } from "./mounts.js";

export function warmUpCgroupAttach(): Promise<void> {
  try {
    const hierarchies = parseCgroupMounts(readOwnMountinfo());
    const own = parseProcCgroup(fs.readFileSync("/proc/self/cgroup", "utf8"));
    // The hierarchy the container joins first; on v2 the only one.
    const h = hierarchies.find((x) => x.kind === "v1") ?? hierarchies[0];
    const mine = h && ownPathOn(own, h);
    if (!h || mine === undefined || (h.mountRoot !== "/" && !mine.startsWith(h.mountRoot))) return Promise.resolve();
    const dir = path.join(h.mountpoint, h.mountRoot === "/" ? mine : mine.slice(h.mountRoot.length));
    return fs.promises.writeFile(path.join(dir, "cgroup.procs"), String(process.pid)).catch(() => undefined);
  } catch {
    return Promise.resolve(); // only an optimisation
  }
}
