// config.md "Process": identity, limits, capabilities and the program, as init steps in the
// order the kernel needs them (rlimits and the bounding set while still privileged; keep
// capabilities across the uid change, then set them exactly).
import { SkiffError } from "../errors.js";
import type { Process } from "../spec/types.js";
import type { CapabilitySets } from "./capabilities.js";
import { step, type Step } from "./plan.js";
import { parseIdList } from "../spec/id-list.js";
import { idMask } from "./cpu-list.js";
import { ioPriorityValue } from "./io-priority.js";
import { ChdirMode, Op } from "./protocol.js";
import { rlimitPlan } from "./rlimits.js";
import { encodeSchedAttr, schedAttr } from "./scheduler.js";

const PR_SET_KEEPCAPS = 8;
const PR_SET_NO_NEW_PRIVS = 38;
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A compiled seccomp filter, loaded by the init. */
export interface SeccompProgram {
  bpf: Buffer;
  flags: number;
  /** linux.seccomp.listenerPath and listenerMetadata: where a NOTIFY filter's listener fd goes. */
  listenerPath?: string;
  listenerMetadata?: string;
}

const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;

/** The filter has a listener for a seccomp agent (a rule is SCMP_ACT_NOTIFY). */
export function hasSeccompAgent(s: SeccompProgram | undefined): s is SeccompProgram & { listenerPath: string } {
  return s?.listenerPath !== undefined && (s.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) !== 0;
}

/** The environment the program gets: config env plus HOME when it is missing (as runc does). */
export function processEnv(p: Process): string[] {
  const env = [...(p.env ?? [])];
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${p.user.uid === 0 ? "/root" : "/"}`);
  return env;
}

function envValue(env: readonly string[], name: string): string | undefined {
  const hit = [...env].reverse().find((e) => e.startsWith(name + "="));
  return hit?.slice(name.length + 1);
}

/**
 * Steps while still root in the container, before the capabilities go: resource limits, oom
 * score, then scheduling and I/O priority (a real-time policy or class needs CAP_SYS_NICE or
 * CAP_SYS_ADMIN, and the rlimits, RLIMIT_RTPRIO among them, are in place first).
 */
export function privilegedProcessSteps(p: Process): Step[] {
  const steps: Step[] = [];
  if (p.oomScoreAdj !== undefined) {
    steps.push(step(Op.WRITE_FILE, `set oomScoreAdj ${p.oomScoreAdj}`, [], ["/proc/self/oom_score_adj", String(p.oomScoreAdj)]));
  }
  for (const r of rlimitPlan(p.rlimits)) {
    steps.push(step(Op.SETRLIMIT, `set rlimit ${r.type} soft=${r.soft} hard=${r.hard}`, [r.resource, r.soft, r.hard]));
  }
  const sched = schedAttr(p.scheduler);
  if (sched) steps.push(step(Op.SCHED_SETATTR, `set process.scheduler ${p.scheduler!.policy}`, [], [encodeSchedAttr(sched)]));
  const ioprio = ioPriorityValue(p.ioPriority);
  if (ioprio !== undefined) steps.push(step(Op.IOPRIO, `set process.ioPriority ${p.ioPriority!.class} ${p.ioPriority!.priority}`, [ioprio]));
  return steps;
}

/**
 * process.execCPUAffinity.final, for a process `exec` adds (config.md: not for the container's
 * init): applied once the process is in the container's cgroup. `initial` is the affinity of
 * the runtime's helper before it joins the cgroup, so the caller sets it on the helper.
 */
export function execAffinitySteps(p: Process): Step[] {
  const final = p.execCPUAffinity?.final;
  if (!final) return [];
  const cpus = parseIdList(final);
  return [step(Op.SET_AFFINITY, `set process.execCPUAffinity.final ${final}`, [], [idMask(cpus)])];
}

const CAP_SYS_ADMIN = 1n << 21n;

/**
 * The switch to the configured user and capabilities. `caps` are the sets that can be granted
 * here (grantedCapabilities: the host may lack some, which is a warning, not an error). The cwd
 * is entered as root first, as runc does (a cwd only root may enter still works), and retried
 * as the target user where root was refused (a directory only that user may enter).
 *
 * With a seccomp filter but without no_new_privs, loading the filter needs CAP_SYS_ADMIN: it is
 * kept here and dropped by seccompSteps right after the load, so the filter can go in last.
 */
export interface IdentityOptions {
  /** The filter seccompSteps loads later: without no_new_privs CAP_SYS_ADMIN is kept for it. */
  seccomp?: SeccompProgram;
  /** setgroups(2) is denied in this user namespace: no supplementary groups can be set. */
  setgroupsDenied?: boolean;
}

export function identitySteps(p: Process, caps: CapabilitySets, { seccomp, setgroupsDenied }: IdentityOptions = {}): Step[] {
  const u = p.user;
  // Host-dependent (the user namespace's setgroups file), so checked here rather than in spec/.
  if (setgroupsDenied && (u.additionalGids ?? []).length > 0) {
    throw new SkiffError("InvalidConfig", "process.user.additionalGids: cannot be set in a user namespace that denies setgroups (a rootless container mapping only your own ids)");
  }
  const loadCap = seccomp && !p.noNewPrivileges ? CAP_SYS_ADMIN : 0n;
  const steps: Step[] = [step(Op.CAP_BOUNDING, "drop capabilities from the bounding set", [caps.bounding])];
  if (p.noNewPrivileges) steps.push(step(Op.PRCTL, "set no_new_privs", [PR_SET_NO_NEW_PRIVS, 1, 0]));
  steps.push(
    step(Op.CHDIR, `chdir to cwd ${p.cwd}`, [ChdirMode.TRY], [p.cwd]),
    ...(u.uid !== 0 ? [step(Op.STDIO_OWNER, `give stdio to uid ${u.uid}`, [u.uid])] : []),
    step(Op.PRCTL, "keep capabilities across the uid change", [PR_SET_KEEPCAPS, 1, 0]),
    ...(setgroupsDenied ? [] : [step(Op.SETGROUPS, `set additional gids [${(u.additionalGids ?? []).join(",")}]`, u.additionalGids ?? [])]),
    step(Op.SETRESGID, `set gid ${u.gid}`, [u.gid]),
    step(Op.SETRESUID, `set uid ${u.uid}`, [u.uid]),
    step(Op.PRCTL, "stop keeping capabilities", [PR_SET_KEEPCAPS, 0, 0]),
    step(Op.CAPSET, "set capabilities", [caps.effective | loadCap, caps.permitted | loadCap, caps.inheritable, caps.ambient]),
    step(Op.UMASK, `set umask ${(u.umask ?? 0o022).toString(8)}`, [u.umask ?? 0o022]),
    step(Op.CHDIR, `chdir to cwd ${p.cwd}`, [ChdirMode.RETRY], [p.cwd]),
  );
  return steps;
}

/**
 * Loads the filter, as the last step before the program's own (startContainer hooks, execve):
 * whatever skiff-init does after it must be allowed by the profile, and profiles are written for
 * what runc's init does there. `agentMessage` (with a listener): the text for the seccomp agent,
 * in pieces the init joins with its pid (see pidPieces). Without no_new_privs the capabilities
 * identitySteps kept for the load go right after it.
 */
export function seccompSteps(p: Process, caps: CapabilitySets, s: SeccompProgram | undefined, agentMessage: readonly string[] = []): Step[] {
  if (!s) return [];
  const load = step(Op.SECCOMP, "load seccomp filter", [s.flags], [s.bpf, ...agentMessage]);
  if (p.noNewPrivileges) return [load];
  return [load, step(Op.CAPSET, "set capabilities", [caps.effective, caps.permitted, caps.inheritable, caps.ambient])];
}

/** Connects to the seccomp agent while its host path is still reachable (before the root switch). */
export function seccompAgentSteps(s: SeccompProgram | undefined): Step[] {
  if (!hasSeccompAgent(s)) return [];
  return [step(Op.AGENT_CONNECT, `failed to connect with seccomp agent at linux.seccomp.listenerPath ${s.listenerPath}`, [], [s.listenerPath])];
}

/** A pid no process has: where it shows in a rendering, the real pid goes. */
const PID_MARK = Number.MAX_SAFE_INTEGER;

/** render(pid) split at each place the pid goes, for the init to join with its own pid. */
export function pidPieces(render: (pid: number) => string): string[] {
  const pieces = render(PID_MARK).split(String(PID_MARK));
  // The mark must stand only for the pid: checked against a second rendering.
  if (pieces.join("7") !== render(7)) throw new SkiffError("Internal", "cannot template the pid into the seccomp agent message");
  return pieces;
}

export function resolveExecStep(p: Process): Step {
  const file = p.args[0]; // the schema requires at least one
  return step(Op.RESOLVE_EXEC, `find executable "${file}"`, [], [file, envValue(processEnv(p), "PATH") ?? DEFAULT_PATH]);
}

/** Marks every fd but stdio and the preserved ones close-on-exec: before the seccomp filter. */
export function closeFdsStep(preserveFds: number): Step {
  return step(Op.CLOSE_FDS, `close fds from ${3 + preserveFds}`, [3 + preserveFds]);
}

export function execStep(p: Process): Step {
  const { args } = p;
  return step(Op.EXEC, `exec ${args[0]}`, [args.length], [...args, ...processEnv(p)]);
}
