// `pause ID` / `resume ID`: freeze and thaw every process of the container through its cgroup
// (v1 freezer.state, v2 cgroup.freeze). runc's rules: a created or running container may be
// paused; only a frozen one resumed.
import { SkiffError } from "../errors.js";
import { Container } from "./container.js";
import type { StateStore } from "./state-store.js";

export async function pauseContainer(store: StateStore, id: string): Promise<void> {
  const c = await Container.open(store, id);
  const status = await c.status();
  if (status !== "running" && status !== "created") throw new SkiffError("NotRunning", "container not running");
  const cgroups = await c.cgroups();
  cgroups.freeze();
  // The init may have exited between the check and the freeze: a frozen empty cgroup is not a
  // paused container.
  if (cgroups.pids().length === 0) {
    cgroups.thaw();
    throw new SkiffError("NotRunning", "container not running: its processes have already exited");
  }
}

export async function resumeContainer(store: StateStore, id: string): Promise<void> {
  const c = await Container.open(store, id);
  // Asked of the cgroup, not the status: a created container that was paused still reports
  // "created" (its exec.fifo is there) and must be resumable.
  const cgroups = await c.cgroups();
  if ((await c.status()) === "stopped" || !(await cgroups.isFrozen())) throw new SkiffError("InvalidState", "container not paused");
  cgroups.thaw();
}
