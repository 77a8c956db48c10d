// createContainer and startContainer hooks (config.md "POSIX-platform Hooks"): run by the init
// inside the container's namespaces. createContainer before pivot_root (so the hook path still
// resolves in the runtime's filesystem) with the rootfs as working directory, as runc runs them
// (hooks written for runc use paths like ./lib); startContainer after it, just before the program.
import type { Hook } from "../spec/types.js";
import { step, type Step } from "./plan.js";
import { ChdirMode, HookStage, Op } from "./protocol.js";

export function containerHookSteps(kind: "createContainer" | "startContainer", hooks: readonly Hook[] | undefined, rootfs?: string): Step[] {
  const stage = kind === "createContainer" ? HookStage.CREATE_CONTAINER : HookStage.START_CONTAINER;
  const steps = (hooks ?? []).map((h, i) => {
    const args = h.args ?? [h.path];
    return step(Op.HOOK, `run ${kind} hook ${h.path}`, [h.timeout ?? 0, stage, args.length, i], [h.path, ...args, ...(h.env ?? [])]);
  });
  if (steps.length === 0 || rootfs === undefined) return steps;
  return [step(Op.CHDIR, `enter the rootfs ${rootfs} for the ${kind} hooks`, [ChdirMode.MUST], [rootfs]), ...steps];
}

export function hasAnyHooks(hooks: Record<string, readonly Hook[] | undefined> | undefined): boolean {
  return Object.values(hooks ?? {}).some((list) => (list ?? []).length > 0);
}
