// `update ID`: change a live container's cgroup limits. The manager merges the changes into the
// resources recorded at create (or by the last update), as runc does, and the record is saved
// again so the next update merges into what is now in force.
import { loadCgroupManager } from "../cgroups/index.js";
import { SkiffError } from "../errors.js";
import type { LinuxResources } from "../spec/types.js";
import type { StateStore } from "./state-store.js";
import { statusOf } from "./status.js";

/**
 * runc's one rule beyond the merge: an unlimited memory limit with no swap given lifts the swap
 * limit too (otherwise the old memory+swap limit would stay below "unlimited" and be refused).
 */
export function withUnlimitedSwapRule(changes: LinuxResources): LinuxResources {
  const m = changes.memory;
  if (m?.limit !== -1 || m.swap !== undefined) return changes;
  return { ...changes, memory: { ...m, swap: -1 } };
}

export function updateContainer(store: StateStore, id: string, changes: LinuxResources): void {
  const rec = store.load(id);
  const cgroups = loadCgroupManager(rec.cgroups);
  if (statusOf(store, rec, () => cgroups.isFrozen()) === "stopped") throw new SkiffError("NotRunning", "container not running");
  cgroups.update(withUnlimitedSwapRule(changes));
  store.save({ ...rec, cgroups: cgroups.saved });
}
