// runtime.md "State": the status is derived from facts every time, never trusted from disk.
import * as fs from "node:fs";
import type { Status } from "../spec/types.js";
import { isSameLiveProcess } from "./proc.js";
import type { ContainerRecord, StateStore } from "./state-store.js";

export interface StatusFacts {
  /** the recorded init is alive (same start time, not a zombie) */
  initAlive: boolean;
  /** exec.fifo still exists: `start` has not happened */
  fifoExists: boolean;
  /** the container's cgroup is frozen */
  frozen: boolean;
}

export function deriveStatus(f: StatusFacts): Status {
  if (!f.initAlive) return "stopped";
  // A created container can be paused too; runc reports it paused.
  if (f.frozen) return "paused";
  if (f.fifoExists) return "created";
  return "running";
}

export function statusOf(store: StateStore, rec: ContainerRecord, isFrozen: () => boolean): Status {
  const initAlive = isSameLiveProcess(rec.pid, rec.initStartTime);
  return deriveStatus({ initAlive, fifoExists: initAlive && fs.existsSync(store.fifo(rec.id)), frozen: initAlive && isFrozen() });
}
