// Killing a container process that is not our child and waiting until it is gone.
import * as fs from "node:fs";
import { isSkiffError } from "../errors.js";
import { ESRCH } from "../linux/errno.js";
import { pidfdOpen, pidfdSendSignal, pollIn } from "../linux/libc.js";
import { isSameLiveProcess } from "./proc.js";

/**
 * Opens a pidfd for pid and checks it is still the recorded process (start time), so a signal
 * can never reach a recycled pid. Undefined when that process is gone.
 */
export function openProcess(pid: number, startTime?: string): number | undefined {
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch (e) {
    if (isSkiffError(e) && e.errno === ESRCH) return undefined;
    throw e;
  }
  if (startTime !== undefined && !isSameLiveProcess(pid, startTime)) {
    fs.closeSync(fd);
    return undefined;
  }
  return fd;
}

/**
 * SIGKILL and wait (pidfd readable = exited) up to timeoutMs. `thawFirst` runs between the
 * signal and the wait: a frozen cgroup must be thawed for the kill to land.
 */
export function killAndReap(pid: number, startTime?: string, opts: { timeoutMs?: number; thawFirst?: () => void } = {}): void {
  const fd = openProcess(pid, startTime);
  if (fd === undefined) return;
  try {
    pidfdSendSignal(fd, 9);
    opts.thawFirst?.();
    pollIn([fd], opts.timeoutMs ?? 10_000);
  } catch (e) {
    if (!(isSkiffError(e) && e.errno === ESRCH)) throw e;
  } finally {
    fs.closeSync(fd);
  }
}
