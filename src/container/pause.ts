// `pause ID` / `resume ID`: freeze and thaw every process of the container through its cgroup
// (v1 freezer.state, v2 cgroup.freeze). runc's rules: a created or running container may be
// paused; only a frozen one resumed.
import { loadCgroupManager } from "../cgroups/index.js";
import { SkiffError } from "../errors.js";
import type { StateStore } from "./state-store.js";
import { statusOf } from "./status.js";

export function pauseContainer(store: StateStore, id: string): void {
  const rec = store.load(id);
  const cgroups = loadCgroupManager(rec.cgroups);
  const status = statusOf(store, rec, () => cgroups.isFrozen());
  if (status !== "running" && status !== "created") throw new SkiffError("NotRunning", "container not running");
  cgroups.freeze();
  // The init may have exited between the check and the freeze: a frozen empty cgroup is not a
  // paused container.
  if (cgroups.pids().length === 0) {
    cgroups.thaw();
    throw new SkiffError("NotRunning", "container not running: its processes have already exited");
  }
}

export function resumeContainer(store: StateStore, id: string): void {
  const rec = store.load(id);
  const cgroups = loadCgroupManager(rec.cgroups);
  // Asked of the cgroup, not the status: a created container that was paused still reports
  // "created" (its exec.fifo is there) and must be resumable.
  if (statusOf(store, rec, () => cgroups.isFrozen()) === "stopped" || !cgroups.isFrozen()) throw new SkiffError("InvalidState", "container not paused");
  cgroups.thaw();
}
