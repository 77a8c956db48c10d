// `delete [--force] ID`: a stopped container's cgroups and state go; a created or running one
// is refused (runtime.md) unless forced, then killed first.
import { loadCgroupManager } from "../cgroups/index.js";
import { SkiffError, isSkiffError } from "../errors.js";
import { trace } from "../log.js";
import { hookState, runPoststopHooks } from "./hooks.js";
import { killAndReap } from "./reap.js";
import type { StateStore } from "./state-store.js";
import { statusOf } from "./status.js";

export function deleteContainer(store: StateStore, id: string, force: boolean): void {
  let rec;
  try {
    rec = store.load(id);
  } catch (e) {
    // containerd deletes twice; a forced delete of what is already gone succeeds.
    if (force && isSkiffError(e, "NotFound")) {
      store.remove(id);
      return;
    }
    throw e;
  }
  const cgroups = loadCgroupManager(rec.cgroups);
  const status = statusOf(store, rec, () => cgroups.isFrozen());
  if (status !== "stopped") {
    if (!force) throw new SkiffError("InvalidState", `cannot delete container ${id} that is not stopped: ${status}`);
    // SIGKILL does not reach frozen tasks on cgroup v1: signal, thaw, then wait.
    killAndReap(rec.pid, rec.initStartTime, { thawFirst: status === "paused" ? () => cgroups.thaw() : undefined });
  }
  // Without a pid namespace the init's children outlive it: nothing may stay in the cgroup.
  for (const pid of cgroups.pids()) {
    try {
      killAndReap(pid);
    } catch (e) {
      trace("kill leftover %d: %s", pid, (e as Error).message);
    }
  }
  cgroups.destroy();
  store.remove(id);
  runPoststopHooks(rec.config.hooks?.poststop, hookState(rec, "stopped"));
}
