// `kill [--all] ID SIGNAL`: signal the init (through a pidfd), or every process in its cgroup.
// On cgroup v1 a frozen task does not act on SIGKILL until it is thawed: as runc does, a SIGKILL
// to a paused container thaws it after signalling, so it really dies (other signals wait for
// `resume`, and the container stays paused).
import * as fs from "node:fs";
import { loadCgroupManager } from "../cgroups/index.js";
import { SkiffError, isSkiffError } from "../errors.js";
import { ESRCH } from "../linux/errno.js";
import { pidfdSendSignal } from "../linux/libc.js";
import { openProcess } from "./reap.js";
import type { StateStore } from "./state-store.js";
import { statusOf } from "./status.js";

const SIGKILL = 9;

export function killContainer(store: StateStore, id: string, signal: number, all: boolean): void {
  const rec = store.load(id);
  const cgroups = loadCgroupManager(rec.cgroups);
  const status = statusOf(store, rec, () => cgroups.isFrozen());
  const thawIfKilled = () => {
    if (signal === SIGKILL && cgroups.isFrozen()) cgroups.thaw();
  };
  // A rootless container may have no cgroup to list its processes in: then --all is the init
  // (pid 1 of its namespace, whose death takes the rest along).
  if (all && cgroups.hierarchies().length > 0) {
    if (signal === SIGKILL && cgroups.killThroughCgroup()) return;
    // Frozen while signalling (runc's way), so no process forks a child the loop would miss.
    const wasFrozen = cgroups.isFrozen();
    const freeze = !wasFrozen && status !== "stopped" && cgroups.canFreeze();
    if (freeze) cgroups.freeze();
    try {
      for (const pid of cgroups.pids()) {
        try {
          process.kill(pid, signal);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
        }
      }
    } finally {
      if (freeze) cgroups.thaw();
      else thawIfKilled();
    }
    return;
  }
  if (status === "stopped") throw new SkiffError("NotRunning", "container not running");
  const fd = openProcess(rec.pid, rec.initStartTime);
  if (fd === undefined) throw new SkiffError("NotRunning", "container not running");
  try {
    pidfdSendSignal(fd, signal);
    if (status === "paused") thawIfKilled();
  } catch (e) {
    if (isSkiffError(e) && e.errno === ESRCH) throw new SkiffError("NotRunning", "container not running: no such process");
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}
