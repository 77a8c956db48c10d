// Killing a container process that is not our child and waiting until it is gone.
import { isSkiffError } from "../errors.js";
import { ESRCH } from "../linux/errno.js";
import { close, pidfdOpen, pidfdSendSignal, pollIn } from "../linux/libc.js";
import { isSameLiveProcess } from "./proc.js";

/**
 * Opens a pidfd for pid and checks it is still the recorded process (start time), so a signal
 * can never reach a recycled pid. Undefined when that process is gone.
 */
export async function openProcess(pid: number, startTime?: string): Promise<number | undefined> {
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch (e) {
    if (isSkiffError(e) && e.errno === ESRCH) return undefined;
    throw e;
  }
  if (startTime !== undefined && !(await isSameLiveProcess(pid, startTime))) {
    close(fd);
    return undefined;
  }
  return fd;
}

/**
 * SIGKILL and wait (pidfd readable = exited) up to timeoutMs. `thawFirst` runs between the
 * signal and the wait: a frozen cgroup must be thawed for the kill to land.
 */
export async function killAndReap(pid: number, startTime?: string, opts: { timeoutMs?: number; thawFirst?: () => Promise<void> } = {}): Promise<void> {
  const fd = await openProcess(pid, startTime);
  if (fd === undefined) return;
  try {
    pidfdSendSignal(fd, 9);
    await opts.thawFirst?.();
    pollIn([fd], opts.timeoutMs ?? 10_000);
  } catch (e) {
    if (!(isSkiffError(e) && e.errno === ESRCH)) throw e;
  } finally {
    close(fd);
  }
}
