// runtime.md "State": the status is derived from facts every time, never trusted from disk.
import { platform } from "../platform/index.js";
import type { Status } from "../spec/types.js";
import { isFrozen } from "../cgroups/frozen.js";
import { isSameLiveProcess } from "./proc.js";
import type { ContainerRecord, StateStore } from "./state-store.js";

export interface StatusFacts {
  /** the create has not finished: whether the `skiff create` making it is still alive */
  creator?: "alive" | "gone";
  /** the recorded init is alive (same start time, not a zombie) */
  initAlive: boolean;
  /** exec.fifo still exists: `start` has not happened */
  fifoExists: boolean;
  /** the container's cgroup is frozen */
  frozen: boolean;
}

export function deriveStatus(f: StatusFacts): Status {
  // A create that died half-way left a container that will never run: stopped, for delete.
  if (f.creator) return f.creator === "alive" ? "creating" : "stopped";
  if (!f.initAlive) return "stopped";
  // A created container can be paused too; runc reports it paused.
  if (f.frozen) return "paused";
  if (f.fifoExists) return "created";
  return "running";
}

export async function statusOf(store: StateStore, rec: ContainerRecord): Promise<Status> {
  if (rec.creating) return deriveStatus({ creator: (await isSameLiveProcess(rec.creating.pid, rec.creating.startTime)) ? "alive" : "gone", initAlive: false, fifoExists: false, frozen: false });
  // All three at once: where reads are asynchronous (on Node) they overlap. exec.fifo
  // is a FIFO, never a directory: fileExists answers without a stat, also when it is gone.
  const [initAlive, fifoExists, frozen] = await Promise.all([isSameLiveProcess(rec.pid, rec.initStartTime), platform().fileExists(store.fifo(rec.id)), isFrozen(rec.cgroups)]);
  return deriveStatus({ initAlive, fifoExists, frozen });
}
