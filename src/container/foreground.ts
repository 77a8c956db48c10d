// What `run` and `exec` share when they stay in the foreground: the process's exit status,
// read from skiff-init (which stays as its parent), and the signals passed on to it.
import { trace } from "../log.js";
import type { Helper } from "../native.js";
import type { InitChannel } from "./channel.js";

/** The signals a foreground process gets when skiff gets them (SIGWINCH only without a relay). */
export const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** Shell convention: the exit code, or 128+N when killed by signal N. */
export function exitCodeOf(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}

/** Forwards the signals a foreground process should get; returns the undo. */
export function forwardSignals(pid: number, signals: readonly NodeJS.Signals[] = FORWARDED): () => void {
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const s of signals) process.on(s, forward);
  return () => {
    for (const s of signals) process.off(s, forward);
  };
}

/**
 * Waits (without blocking signal delivery) for the process's exit status: 128+N on signal N.
 * skiff-init exits as soon as it has reported the status, so its exit is awaited (the engine
 * reaps it natively, no I/O thread) and the report is then read from the socket's buffer.
 */
export async function waitForExit(channel: InitChannel, helper: Helper): Promise<number> {
  await helper.child.exited;
  const { waitStatus } = channel.until("exit", "skiff-init exited without reporting the exit status");
  trace("process exited with wait status %d", waitStatus);
  return exitCodeOf(waitStatus);
}
