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

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(process.getBuiltinModule("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Alive, not a zombie, and the same process that was recorded (not a reused pid). Read through
 * the platform: `state`, `list` and `kill` ask it and load nothing else of the file system.
 */
export async function isSameLiveProcess(pid: number, startTime: string): Promise<boolean> {
  if (pid <= 0) return false;
  const text = await platform().readText(`/proc/${pid}/stat`);
  if (text === undefined) return false;
  const st = parseProcStat(text);
  return st.state !== "Z" && st.state !== "X" && st.startTime === startTime;
}
