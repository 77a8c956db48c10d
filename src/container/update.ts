// `update ID`: change a live container's cgroup limits. The manager merges the changes into the
// resources recorded at create (or by the last update), as runc does, and the record is saved
// again so the next update merges into what is now in force.
import type { LinuxResources } from "../spec/types.js";
import { Container } from "./container.js";
import type { StateStore } from "./state-store.js";

/**
 * runc's rules beyond the merge. Devices are never changed by an update (runc skips them: a
 * rewritten v1 list would briefly deny devices to the running container, and callers such as
 * podman send the whole resources object back). An unlimited memory limit with no swap given
 * lifts the swap limit too, or the old memory+swap limit would stay below "unlimited".
 */
export function runcUpdateRules(changes: LinuxResources): LinuxResources {
  const { devices: _devices, ...rest } = changes;
  const m = rest.memory;
  if (m?.limit !== -1 || m.swap !== undefined) return rest;
  return { ...rest, memory: { ...m, swap: -1 } };
}

export function updateContainer(store: StateStore, id: string, changes: LinuxResources): Promise<void> {
  return Container.lock(store, id, async (c) => {
    await c.live("container not running");
    await (await c.cgroups()).update(runcUpdateRules(changes));
    await c.saveCgroups();
  });
}
