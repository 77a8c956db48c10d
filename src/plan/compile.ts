// A validated config (plus the facts of this host and invocation) → the plan skiff-init runs.
// Pure: everything it needs to know about the world comes in through PlanInput.
import { SkiffError } from "../errors.js";
import type { Hook, Spec } from "../spec/types.js";
import type { CapabilitySets } from "./capabilities.js";
import { deviceSteps } from "./dev.js";
import { containerHookSteps, hasAnyHooks } from "./hooks.js";
import { hasNamespace, namespaceSteps } from "./namespaces.js";
import { step, type Plan, type Step } from "./plan.js";
import { execSteps, identitySteps, privilegedProcessSteps, resolveExecStep, seccompStep, type SeccompProgram } from "./process.js";
import { Op, SyncTag } from "./protocol.js";
import { maskAndReadonlySteps, mountSteps, prepareRootSteps, readonlyRootSteps, switchRootSteps, type RootfsFacts } from "./rootfs.js";
import { sysctlSteps } from "./sysctl-steps.js";

export interface PlanInput extends RootfsFacts {
  spec: Spec;
  /** fd number, in the helper, of the state directory holding exec.fifo (O_PATH) */
  stateDirFd: number;
  /** "wait": the helper stays to report the init's exit status (run); "detach": it leaves. */
  mode: "detach" | "wait";
  noPivot: boolean;
  preserveFds: number;
  /** fd number of the connected console socket in the helper, when process.terminal. */
  consoleSocketFd?: number;
  seccomp?: SeccompProgram;
  /** The capability sets to give the process (what the config asks that the host can grant). */
  capabilities: CapabilitySets;
}

const EXEC_FIFO = "exec.fifo";

export function compileCreatePlan(input: PlanInput): Plan {
  const { spec } = input;
  const p = spec.process;
  if (!p) throw new SkiffError("InvalidConfig", "process: required to create a container");
  const ns = spec.linux?.namespaces ?? [];
  if (!hasNamespace(ns, "mount")) throw new SkiffError("InvalidConfig", "linux.namespaces: a mount namespace is required");
  if (p.terminal && input.consoleSocketFd === undefined) {
    throw new SkiffError("InvalidArgument", "process.terminal is true: a --console-socket is required");
  }
  const hooks = spec.hooks;
  // One stop for the parent: prestart/createRuntime hooks, and the state documents the init's
  // own hooks read. Without hooks, no stop at all.
  const hookSync = hasAnyHooks(hooks as Record<string, Hook[] | undefined>) ? [step(Op.SYNC, "run prestart and createRuntime hooks", [SyncTag.CREATE_RUNTIME])] : [];
  const seccompLate = input.seccomp && p.noNewPrivileges ? input.seccomp : undefined;
  const seccompEarly = input.seccomp && !p.noNewPrivileges ? input.seccomp : undefined;

  const steps: Step[] = [
    // helper phase
    ...namespaceSteps(ns, spec.linux?.timeOffsets),
    step(Op.FORK, "fork the container init", [input.mode === "wait" ? 1 : 0]),
    // init phase
    step(Op.SETSID, "start a new session"),
    ...prepareRootSteps(spec, input),
    ...(spec.mounts ?? []).flatMap((m, i) => mountSteps(m, i, input)),
    ...deviceSteps(spec, input.rootfs),
    ...hookSync,
    ...containerHookSteps("createContainer", hooks?.createContainer),
    ...switchRootSteps(spec, input, input.noPivot),
    ...sysctlSteps(spec),
    ...maskAndReadonlySteps(spec),
    ...readonlyRootSteps(spec),
    ...(spec.hostname !== undefined && hasNamespace(ns, "uts") ? [step(Op.SETHOSTNAME, `set hostname "${spec.hostname}"`, [], [spec.hostname])] : []),
    ...(spec.domainname !== undefined && hasNamespace(ns, "uts") ? [step(Op.SETDOMAINNAME, `set domainname "${spec.domainname}"`, [], [spec.domainname])] : []),
    ...(input.consoleSocketFd !== undefined && p.terminal
      ? [step(Op.CONSOLE, "create the console and send it to the console socket", [input.consoleSocketFd, p.consoleSize?.height ?? 0, p.consoleSize?.width ?? 0], ["/dev/ptmx"])]
      : []),
    ...privilegedProcessSteps(p),
    ...identitySteps(p, input.capabilities, seccompEarly),
    resolveExecStep(p),
    step(Op.READY, "report created"),
    step(Op.WAIT_START, "wait for start", [input.stateDirFd], [EXEC_FIFO]),
    ...containerHookSteps("startContainer", hooks?.startContainer),
    step(Op.STARTED, "report started"),
    ...(seccompLate ? [seccompStep(seccompLate)] : []),
    ...execSteps(p, input.preserveFds),
  ];
  return { steps };
}
