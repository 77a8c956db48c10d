// config-linux.md "Seccomp" with SCMP_ACT_NOTIFY: after loading the filter the process sends
// the listener fd to listenerPath with one "container process state" message. Pure: nothing
// here loads libseccomp (src/linux/seccomp.ts drives it, only on a cache miss).
import type { State, Status } from "../spec/types.js";
import { hasSeccompAgent, pidPieces, type SeccompProgram } from "./process.js";

/** The message the agent receives (config-linux.md "The Container Process State"). */
export function seccompAgentMessage(ociVersion: string, pid: number, state: State, metadata?: string): string {
  return JSON.stringify({ ociVersion, fds: ["seccompFd"], pid, ...(metadata === undefined ? {} : { metadata }), state });
}

/** The agent's message in pieces around the pid, which the process fills in (its host pid). */
export function agentMessagePieces(s: SeccompProgram | undefined, container: Omit<State, "status" | "pid">, status: Status): string[] | undefined {
  if (!hasSeccompAgent(s)) return undefined;
  return pidPieces((pid) => seccompAgentMessage(container.ociVersion, pid, { ...container, status, pid }, s.listenerMetadata));
}
