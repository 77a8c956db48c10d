// `delete [--force] ID`: a stopped container's cgroups and state go; a created or running one
// is refused (runtime.md) unless forced, then killed first.
import { SkiffError, isSkiffError } from "../errors.js";
import { log, trace } from "../log.js";
import { mark } from "../marks.js";
import { hookState, runPoststopHooks } from "./hooks.js";
import { killAndReap } from "./reap.js";
import { Container } from "./container.js";
import type { ContainerRecord, StateStore } from "./state-store.js";

export function deleteContainer(store: StateStore, id: string, force: boolean): Promise<void> {
  const locked = () => deleteLocked(store, id, force);
  // containerd deletes twice; a forced delete of what is already gone succeeds, reading nothing.
  return store.withLock(id, locked, force ? async () => undefined : locked);
}

async function deleteLocked(store: StateStore, id: string, force: boolean): Promise<void> {
  let rec;
  try {
    rec = await store.load(id);
  } catch (e) {
    // A directory without a record (a create that died before writing one, or a delete
    // racing this one): forced, it goes.
    if (force && isSkiffError(e, "NotFound")) {
      await store.remove(id);
      return;
    }
    if (!force || !isSkiffError(e, "InvalidState")) throw e;
    rec = await recordBehindCorruptState(store, id, e);
    if (!rec) return;
  }
  const c = Container.of(store, rec);
  const cgroups = await c.cgroups();
  mark("cgroup manager");
  const status = await c.status();
  mark("status");
  const thawIfFrozen = async () => {
    if (await cgroups.isFrozen()) cgroups.thaw();
  };
  if (status !== "stopped") {
    if (!force) throw new SkiffError("InvalidState", `cannot delete container ${id} that is not stopped: ${status}`);
    // SIGKILL does not reach frozen tasks on cgroup v1: signal, thaw, then wait.
    if (!rec.creating) await killAndReap(rec.pid, rec.initStartTime, { thawFirst: thawIfFrozen });
  }
  // Without a pid namespace the init's children outlive it: nothing may stay in the cgroup. The
  // cgroup may be frozen even when the init is gone (paused, then the init was killed).
  for (const pid of cgroups.pids()) {
    try {
      await killAndReap(pid, undefined, { thawFirst: thawIfFrozen });
    } catch (e) {
      trace("kill leftover %d: %s", pid, (e as Error).message);
    }
  }
  mark("processes gone");
  await cgroups.destroy();
  mark("cgroups removed");
  await store.remove(id);
  mark("state directory removed");
  // A create that died half-way never reached its hooks' promise of a poststop.
  if (!rec.creating) runPoststopHooks(rec.config.hooks?.poststop, hookState(rec, "stopped"));
}

/**
 * state.json is unreadable: clean up with the record create wrote before it made anything (its
 * cgroups are the container's; every process in them goes). Without that either, only the
 * state directory can be removed.
 */
async function recordBehindCorruptState(store: StateStore, id: string, e: SkiffError): Promise<ContainerRecord | undefined> {
  log("warning", e.message);
  try {
    const rec = await store.loadCreating(id);
    // Its creator is long gone: as a create that died, every process in its cgroups goes.
    return { ...rec, creating: { pid: 0, startTime: "" } };
  } catch (inner) {
    log("warning", `container ${id}: no usable record either (${(inner as Error).message}): removing its state only; its cgroups and processes, if any, stay`);
    await store.remove(id);
    return undefined;
  }
}
