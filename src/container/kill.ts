// `kill [--all] ID SIGNAL`: signal the init (through a pidfd), or every process in its cgroup.
import * as fs from "node:fs";
import { loadCgroupManager } from "../cgroups/index.js";
import { SkiffError, isSkiffError } from "../errors.js";
import { ESRCH } from "../linux/errno.js";
import { pidfdSendSignal } from "../linux/libc.js";
import { openProcess } from "./reap.js";
import type { StateStore } from "./state-store.js";
import { statusOf } from "./status.js";

export function killContainer(store: StateStore, id: string, signal: number, all: boolean): void {
  const rec = store.load(id);
  const cgroups = loadCgroupManager(rec.cgroups);
  const status = statusOf(store, rec, () => cgroups.isFrozen());
  if (status === "stopped" && !all) throw new SkiffError("NotRunning", "container not running");
  if (all) {
    for (const pid of cgroups.pids()) {
      try {
        process.kill(pid, signal);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
      }
    }
    return;
  }
  const fd = openProcess(rec.pid, rec.initStartTime);
  if (fd === undefined) throw new SkiffError("NotRunning", "container not running");
  try {
    pidfdSendSignal(fd, signal);
  } catch (e) {
    if (isSkiffError(e) && e.errno === ESRCH) throw new SkiffError("NotRunning", "container not running: no such process");
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}
