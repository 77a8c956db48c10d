// `exec`: the plan that puts one more process into a running container. The helper joins the
// container's namespaces (OP_FORK then lands the process in its pid namespace); the process
// gets its own session, terminal, limits, identity, seccomp filter and program. Pure, like
// compileCreatePlan: the facts of the container come in through ExecPlanInput.
import { SkiffError } from "../errors.js";
import type { Namespace, Process, State } from "../spec/types.js";
import type { CapabilitySets } from "./capabilities.js";
import type { HostFacts } from "../host/facts.js";
import { lsmSteps } from "./lsm.js";
import { namespaceSteps } from "./namespaces.js";
import { step, type Plan, type Step } from "./plan.js";
import { closeFdsStep, execAffinitySteps, execStep, identitySteps, privilegedProcessSteps, resolveExecStep, seccompAgentSteps, seccompSteps, type SeccompProgram } from "./process.js";
import { agentMessagePieces } from "./seccomp-agent.js";
import { Op } from "./protocol.js";

export interface ExecPlanInput {
  process: Process;
  /** process.capabilities as the process can hold them (grantedCapabilities). */
  capabilities: CapabilitySets;
  /** The container's namespaces that differ from ours, each with the path the helper opens. */
  namespaces: Namespace[];
  /** "wait": the helper stays to report the exit status; "detach": it leaves after the fork. */
  mode: "detach" | "wait";
  preserveFds: number;
  /** fd number of the console socket in the helper, required when process.terminal. */
  consoleSocketFd?: number;
  seccomp?: SeccompProgram;
  /** Which security modules can take process.apparmorProfile / process.selinuxLabel here. */
  lsm: HostFacts["lsm"];
  /** The container's user namespace denies setgroups (a rootless single mapping). */
  setgroupsDenied?: boolean;
  /** The container, for the state a seccomp agent receives. */
  container: Omit<State, "status" | "pid">;
  /** fd number, in the helper, of a cgroup.procs the waiting helper moves to once it has forked. */
  leaveCgroupFd?: number;
  /** A cgroup v2 directory the process is cloned into (CLONE_INTO_CGROUP): the helper joins none. */
  bornInCgroup?: string;
}

export function compileExecPlan(input: ExecPlanInput): Plan {
  const p = input.process;
  if (p.terminal && input.consoleSocketFd === undefined) {
    throw new SkiffError("InvalidArgument", "process.terminal is true: a console socket is required");
  }
  if (input.namespaces.some((n) => !n.path)) throw new SkiffError("Internal", "exec joins namespaces only: each needs a path");
  const agent = agentMessagePieces(input.seccomp, input.container, "running");
  // The mount namespace is joined last, after the fork: until then the process still sees the
  // host's filesystem, where a seccomp agent's socket and its own host pid (/proc/self) are (and,
  // for a clone into the cgroup, the host's cgroup directory). A process cloned into the cgroup
  // joins the cgroup namespace after the fork too: on a cgroup2 mount with nsdelegate (systemd's)
  // the kernel refuses a clone between cgroups the caller's cgroup namespace cannot both see.
  const bornIn = input.bornInCgroup;
  const afterFork = (n: Namespace) => n.type === "mount" || (bornIn !== undefined && n.type === "cgroup");
  const steps: Step[] = [
    // helper phase: user namespace first (namespaceSteps' order)
    ...namespaceSteps(input.namespaces.filter((n) => !afterFork(n))),
    step(
      Op.FORK,
      bornIn === undefined ? "fork the exec process into the container's pid namespace" : `clone the exec process into cgroup ${bornIn} and the container's pid namespace`,
      [input.mode === "wait" ? 1 : 0, input.leaveCgroupFd ?? -1],
      bornIn === undefined ? [] : [bornIn],
    ),
    // the process itself
    ...seccompAgentSteps(input.seccomp),
    ...namespaceSteps(input.namespaces.filter(afterFork)),
    step(Op.SETSID, "start a new session"),
    // The container's /dev/console stays the init's (as with runc).
    ...(p.terminal ? [step(Op.CONSOLE, "create the console and send it to the console socket", [input.consoleSocketFd!, p.consoleSize?.height ?? 0, p.consoleSize?.width ?? 0, 0], ["/dev/ptmx"])] : []),
    ...privilegedProcessSteps(p),
    ...execAffinitySteps(p),
    ...lsmSteps(p, input.lsm),
    ...identitySteps(p, input.capabilities, { seccomp: input.seccomp, setgroupsDenied: input.setgroupsDenied }),
    resolveExecStep(p),
    closeFdsStep(input.preserveFds),
    // Nothing but execve under the filter.
    ...seccompSteps(p, input.capabilities, input.seccomp, agent),
    execStep(p),
  ];
  return { steps };
}

/** What the exec command line says about the process (runc's flags). */
export interface ExecProcessFlags {
  args: string[];
  tty?: boolean;
  cwd?: string;
  env?: string[];
  /** "uid" or "uid:gid" */
  user?: string;
  additionalGids?: number[];
  /** capability names, with or without CAP_ */
  caps?: string[];
  noNewPrivs?: boolean;
  apparmor?: string;
  processLabel?: string;
}

function parseId(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new SkiffError("InvalidArgument", `--user: bad ${what} ${JSON.stringify(text)}: must be a number`);
  return Number(text);
}

/**
 * The process `exec` runs when no --process file is given: the container's own process with
 * the command line's changes, as runc builds it. The terminal is off unless --tty; env, caps and
 * additional gids are added to the container's; user, cwd and LSM labels replace them. Labels
 * from the config that no active security module can apply are dropped (create refused them
 * then, so they come from a host whose modules changed since); the flags' labels are kept so
 * that compileExecPlan refuses them clearly.
 */
export function execProcess(base: Process, flags: ExecProcessFlags, lsm: ExecPlanInput["lsm"]): Process {
  if (flags.args.length === 0) throw new SkiffError("InvalidArgument", "exec: a command (or --process) is required");
  const p: Process = structuredClone(base);
  p.args = [...flags.args];
  delete p.commandLine;
  p.terminal = flags.tty ?? false;
  if (!lsm.apparmor) delete p.apparmorProfile;
  if (!lsm.selinux) delete p.selinuxLabel;
  if (flags.cwd) p.cwd = flags.cwd;
  if (flags.apparmor) p.apparmorProfile = flags.apparmor;
  if (flags.processLabel) p.selinuxLabel = flags.processLabel;
  p.env = [...(p.env ?? []), ...(flags.env ?? [])];
  if (flags.noNewPrivs) p.noNewPrivileges = true;
  if (flags.user) {
    const [uid, gid] = flags.user.split(":", 2);
    p.user = { ...p.user, uid: parseId(uid, "uid") };
    if (gid !== undefined) p.user.gid = parseId(gid, "gid");
  }
  if (flags.additionalGids?.length) {
    for (const g of flags.additionalGids) {
      if (!Number.isInteger(g) || g < 0) throw new SkiffError("InvalidArgument", `--additional-gids: ${g} is not a valid gid`);
    }
    p.user.additionalGids = [...(p.user.additionalGids ?? []), ...flags.additionalGids];
  }
  if (flags.caps?.length) {
    const names = flags.caps.map((c) => (c.toUpperCase().startsWith("CAP_") ? c.toUpperCase() : `CAP_${c.toUpperCase()}`));
    const c = (p.capabilities = { ...p.capabilities });
    c.bounding = [...(c.bounding ?? []), ...names];
    c.effective = [...(c.effective ?? []), ...names];
    c.permitted = [...(c.permitted ?? []), ...names];
    // Ambient capabilities need inheritable ones, which --cap does not add (runc's rule).
    if (c.inheritable?.length) c.ambient = [...(c.ambient ?? []), ...names];
  }
  return p;
}
