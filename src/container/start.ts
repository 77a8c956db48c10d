// `start`: release the init blocked on exec.fifo, so it execs the user's program.
import * as fs from "node:fs";
import { SkiffError } from "../errors.js";
import { pollIn } from "../linux/libc.js";
import { loadCgroupManager } from "../cgroups/index.js";
import { openProcess } from "./reap.js";
import { StateStore, type ContainerRecord } from "./state-store.js";
import { statusOf } from "./status.js";

const O_NONBLOCK = 0o4000;

export function startContainer(store: StateStore, id: string): ContainerRecord {
  const rec = store.load(id);
  const status = statusOf(store, rec, () => loadCgroupManager(rec.cgroups).isFrozen());
  if (status === "stopped") throw new SkiffError("InvalidState", "cannot start a container that has stopped");
  if (status !== "created") throw new SkiffError("InvalidState", `cannot start an already ${status} container`);
  const pidfd = openProcess(rec.pid, rec.initStartTime);
  if (pidfd === undefined) throw new SkiffError("InvalidState", "cannot start a container that has stopped");
  // Non-blocking open never hangs; then wait for the init's byte or for the init to die.
  const fifo = fs.openSync(store.fifo(id), fs.constants.O_RDONLY | O_NONBLOCK);
  try {
    const [fifoEvents, pidEvents] = pollIn([fifo, pidfd], -1);
    const buf = Buffer.alloc(1);
    const n = fifoEvents ? fs.readSync(fifo, buf) : 0;
    if (n !== 1 || (pidEvents && !fifoEvents)) throw new SkiffError("InvalidState", "cannot start a container that has stopped");
    fs.rmSync(store.fifo(id), { force: true });
  } finally {
    fs.closeSync(fifo);
    fs.closeSync(pidfd);
  }
  return rec;
}
