// Facts about a process from /proc, used to tell a live init from a dead or recycled pid.
import { platform } from "../platform/index.js";

export interface ProcStat {
  /** R, S, D, Z, T, ... */
  state: string;
  /** clock ticks since boot at which the process started (field 22) */
  startTime: string;
}

/** Parses /proc/PID/stat text; the command name may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat {
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); field 22 is rest[19].
  return { state: rest[0], startTime: rest[19] };
}

/**
 * The process's stat, undefined when it cannot be read (gone, or going: ESRCH). Read through the
 * platform: `state`, `list` and `kill` ask it and load nothing else of the file system.
 */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await platform().readText(`/proc/${pid}/stat`);
    return text === undefined ? undefined : parseProcStat(text);
  } catch {
    return undefined;
  }
}

/** Alive, not a zombie, and the same process that was recorded (not a reused pid). */
export async function isSameLiveProcess(pid: number, startTime: string): Promise<boolean> {
  if (pid <= 0) return false;
  const st = await readProcStat(pid);
  return st !== undefined && st.state !== "Z" && st.state !== "X" && st.startTime === startTime;
}
