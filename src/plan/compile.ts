// A validated config (plus the facts of this host and invocation) → the plan skiff-init runs.
// Pure: everything it needs to know about the world comes in through PlanInput.
import { SkiffError } from "../errors.js";
import type { Hook, Spec, ValidSpec } from "../spec/types.js";
import type { CapabilitySets } from "./capabilities.js";
import { deviceSteps } from "./dev.js";
import { agentMessagePieces } from "./seccomp-agent.js";
import { containerHookSteps, hasAnyHooks } from "./hooks.js";
import { CLONE_NEW, hasNamespace, namespaceSteps } from "./namespaces.js";
import { step, type Plan, type Step } from "./plan.js";
import type { HostFacts } from "../host/facts.js";
import { idmapSlots, idmapTreeSteps } from "./idmap.js";
import { bindSourceOpenSteps, bindSourcePrepareSteps, bindSourceSlots } from "./bind-sources.js";
import { checkIntelRdt, checkMountLabel, lsmSteps } from "./lsm.js";
import { memoryPolicy } from "./memory-policy.js";
import { netDeviceMoves, netDeviceMoveSteps, netDevicePrepareSteps } from "./net-devices.js";
import { personalityValue } from "./personality.js";
import {
  closeFdsStep,
  execStep,
  identitySteps,
  privilegedProcessSteps,
  resolveExecStep,
  seccompAgentSteps,
  seccompSteps,
  type SeccompProgram,
} from "./process.js";
import { Op, SyncTag } from "./protocol.js";
import { maskAndReadonlySteps, mountSteps, prepareRootSteps, readonlyDevSteps, readonlyRootSteps, sharedMountsRootStep, switchRootSteps, type RootfsFacts, type TreeSlot } from "./rootfs.js";
import { sysctlSteps } from "./sysctl-steps.js";

export interface PlanInput extends RootfsFacts {
  spec: ValidSpec;
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
  /** The container's id, for the state the seccomp agent receives. */
  id?: string;
  /**
   * What the host offers (src/host/facts.ts); without it: no LSM, no resctrl, NUMA not checked.
   * euid 0 (a root runtime): bind sources in a user namespace are opened with its credentials;
   * mountinfo: the runtime's mounts, some of which --no-pivot hides.
   */
  host?: Pick<HostFacts, "lsm" | "resctrl" | "numaNodes"> & Partial<Pick<HostFacts, "euid" | "mountinfo">>;
  /** The user namespace's setgroups is "deny" (a rootless single mapping): no setgroups step. */
  setgroupsDenied?: boolean;
  /** Name of the session keyring the container joins (runc: "_ses.<id>"); none with --no-new-keyring. */
  sessionKeyring?: string;
  /**
   * The cgroup v2 directory the init is cloned into (src/cgroups/clone-into.ts), the helper never
   * joining it; a new cgroup namespace is then the init's first step, rooted there.
   */
  bornInCgroup?: string;
}

const NO_HOST_FEATURES: Required<PlanInput>["host"] = { lsm: { apparmor: false, selinux: false }, resctrl: false, numaNodes: [] };

/** config-linux.md "personality" and "Memory policy": the container's own, not exec's. */
function containerProcessSteps(spec: Spec, host: Required<PlanInput>["host"]): Step[] {
  const steps: Step[] = [];
  const persona = personalityValue(spec.linux?.personality);
  if (persona !== undefined) steps.push(step(Op.PERSONALITY, `set linux.personality ${spec.linux!.personality!.domain}`, [persona]));
  const mp = memoryPolicy(spec.linux?.memoryPolicy);
  if (mp) {
    // Host-dependent (which NUMA nodes are online), so checked here rather than in spec/.
    const missing = host.numaNodes.length > 0 ? mp.nodes.find((n) => !host.numaNodes.includes(n)) : undefined;
    if (missing !== undefined) {
      throw new SkiffError("InvalidConfig", `linux.memoryPolicy.nodes: node ${missing} does not exist on this host (nodes: ${host.numaNodes.join(",")})`);
    }
    const nodes = spec.linux!.memoryPolicy!.nodes;
    steps.push(step(Op.MEMPOLICY, `set linux.memoryPolicy ${spec.linux!.memoryPolicy!.mode}${nodes ? ` nodes ${nodes}` : ""}`, [mp.mode], [mp.mask]));
  }
  return steps;
}

const EXEC_FIFO = "exec.fifo";

export function compileCreatePlan(input: PlanInput): Plan {
  const { spec } = input;
  const p = spec.process;
  const ns = spec.linux?.namespaces ?? [];
  // Without one the runtime's mounts are shared: config.json's mounts are not made there (the
  // caller is warned), and the root is a plain chroot.
  const ownMounts = hasNamespace(ns, "mount");
  if (p.terminal && input.consoleSocketFd === undefined) {
    throw new SkiffError("InvalidArgument", "process.terminal is true: a --console-socket is required");
  }
  const hooks = spec.hooks;
  // One stop for the parent: prestart/createRuntime hooks, and the state documents the init's
  // own hooks read. Without hooks, no stop at all.
  const hookSync = hasAnyHooks(hooks as Record<string, Hook[] | undefined>) ? [step(Op.SYNC, "run prestart and createRuntime hooks", [SyncTag.CREATE_RUNTIME])] : [];
  const agent = agentMessagePieces(input.seccomp, { ociVersion: spec.ociVersion, id: input.id ?? "", bundle: input.bundle, ...(spec.annotations && { annotations: spec.annotations }) }, "creating");
  const host = input.host ?? NO_HOST_FEATURES;
  checkIntelRdt(spec, host.resctrl);
  checkMountLabel(spec, host.lsm);
  // Bind sources in a user namespace go through the opener, idmapped ones too; otherwise the helper clones the idmapped ones itself.
  const idmapped = ownMounts ? idmapSlots(spec) : new Map<number, number>();
  const sourceSlots = ownMounts ? bindSourceSlots(spec, host.euid === 0) : new Map<number, number>();
  const slots = sourceSlots.size === 0 ? idmapped : new Map<number, number>();
  const trees = new Map<number, TreeSlot>([...slots, ...sourceSlots].map(([i, slot]): [number, TreeSlot] => [i, { slot, idmapped: idmapped.has(i) }]));
  const netDevices = netDeviceMoves(spec);
  const nsSteps = namespaceSteps(ns, spec.linux?.timeOffsets);
  // An init cloned into its cgroup makes a new cgroup namespace itself, rooted there.
  const bornIn = input.bornInCgroup;
  const initNsSteps = bornIn === undefined ? [] : nsSteps.filter(isNewCgroupNamespace);

  const steps: Step[] = [
    // helper phase: idmapped clones, the device mover and the bind source opener while still in
    // the runtime's namespaces; the last two act once the container's namespaces exist
    ...idmapTreeSteps(spec, input.bundle, slots),
    ...netDevicePrepareSteps(netDevices),
    ...bindSourcePrepareSteps(spec, input.bundle, sourceSlots),
    ...nsSteps.filter((s) => !initNsSteps.includes(s)),
    ...netDeviceMoveSteps(netDevices),
    ...bindSourceOpenSteps(sourceSlots),
    step(Op.FORK, bornIn ? `clone the container init into cgroup ${bornIn}` : "fork the container init", [input.mode === "wait" ? 1 : 0], bornIn ? [bornIn] : []),
    // init phase
    ...initNsSteps,
    step(Op.SETSID, "start a new session"),
    ...(ownMounts ? [...prepareRootSteps(spec, input), ...(spec.mounts ?? []).flatMap((m, i) => mountSteps(m, input, trees.get(i))), ...deviceSteps(spec, input.rootfs)] : []),
    // A missing cwd is made, as runc does (after the mounts: it may be inside one).
    step(Op.MKDIR_IN_ROOT, `create cwd ${p.cwd}`, [], [input.rootfs, p.cwd]),
    ...seccompAgentSteps(input.seccomp),
    ...hookSync,
    ...containerHookSteps("createContainer", hooks?.createContainer, input.rootfs),
    ...(ownMounts ? switchRootSteps(spec, input, input.noPivot, host.mountinfo) : [sharedMountsRootStep(input)]),
    ...sysctlSteps(spec),
    ...maskAndReadonlySteps(spec),
    // The console's /dev/console mount point is made before /dev or / turn read-only (runc's order).
    ...(input.consoleSocketFd !== undefined && p.terminal
      ? [step(Op.CONSOLE, "create the console, bind it at /dev/console and send it to the console socket", [input.consoleSocketFd, p.consoleSize?.height ?? 0, p.consoleSize?.width ?? 0, 1], ["/dev/ptmx"])]
      : []),
    ...(ownMounts ? readonlyDevSteps(spec) : []),
    ...readonlyRootSteps(spec),
    ...(spec.hostname !== undefined && hasNamespace(ns, "uts") ? [step(Op.SETHOSTNAME, `set hostname "${spec.hostname}"`, [], [spec.hostname])] : []),
    ...(spec.domainname !== undefined && hasNamespace(ns, "uts") ? [step(Op.SETDOMAINNAME, `set domainname "${spec.domainname}"`, [], [spec.domainname])] : []),
    ...containerProcessSteps(spec, host),
    ...(input.sessionKeyring ? [step(Op.SESSION_KEYRING, `join session keyring ${input.sessionKeyring}`, [], [input.sessionKeyring])] : []),
    ...lsmSteps(p, host.lsm),
    ...privilegedProcessSteps(p),
    ...identitySteps(p, input.capabilities, { seccomp: input.seccomp, setgroupsDenied: input.setgroupsDenied }),
    resolveExecStep(p),
    closeFdsStep(input.preserveFds),
    step(Op.READY, "report created"),
    step(Op.WAIT_START, "wait for start", [input.stateDirFd], [EXEC_FIFO]),
    // From here on only what runc's init also does under its filter: hooks, "0", execve.
    ...seccompSteps(p, input.capabilities, input.seccomp, agent),
    ...containerHookSteps("startContainer", hooks?.startContainer),
    step(Op.STARTED, "report started"),
    execStep(p),
  ];
  return { steps };
}

/**
 * The first stage of a create plan, sent to the helper the moment it runs: its namespaces, which
 * the kernel makes (~0.7 ms for a new network namespace on this project's VMs) while skiff
 * compiles the rest and the helper joins the container's cgroups. compileCreatePlan's plan begins
 * with the same steps. None when something must come first or needs skiff meanwhile: a user
 * namespace (skiff writes its id maps), idmapped clones and network devices (prepared before the
 * namespaces), a cgroup namespace joined by path (joins keep their order). A new cgroup namespace
 * is left to the later stage: it is rooted at the cgroup the helper is in when it makes it.
 */
export function compileEarlyStage(spec: Spec): Step[] {
  const ns = spec.linux?.namespaces ?? [];
  if (hasNamespace(ns, "user") || ns.some((n) => n.type === "cgroup" && n.path) || idmapSlots(spec).size > 0 || netDeviceMoves(spec).length > 0) return [];
  return namespaceSteps(ns, spec.linux?.timeOffsets).filter((s) => !isNewCgroupNamespace(s));
}

function isNewCgroupNamespace(s: Step): boolean {
  return s.op === Op.UNSHARE && s.ints?.[0] === CLONE_NEW.cgroup;
}

/** The plan without the early stage the helper already has: the plan must begin with it. */
export function laterStage(plan: Plan, early: readonly Step[]): Plan {
  if (early.some((s, i) => JSON.stringify(s) !== JSON.stringify(plan.steps[i]))) {
    throw new SkiffError("Internal", "the plan does not begin with the stage the helper was sent");
  }
  return { steps: plan.steps.slice(early.length) };
}
