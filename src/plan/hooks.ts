// createContainer and startContainer hooks (config.md "POSIX-platform Hooks"): run by the init
// inside the container's namespaces. createContainer before pivot_root (so the hook path still
// resolves in the runtime's filesystem), startContainer after it, just before the program.
import type { Hook } from "../spec/types.js";
import { step, type Step } from "./plan.js";
import { HookDocument, Op } from "./protocol.js";

export function containerHookSteps(kind: "createContainer" | "startContainer", hooks: readonly Hook[] | undefined): Step[] {
  const doc = kind === "createContainer" ? HookDocument.CREATING : HookDocument.CREATED;
  return (hooks ?? []).map((h) => {
    const args = h.args ?? [h.path];
    return step(Op.HOOK, `run ${kind} hook ${h.path}`, [h.timeout ?? 0, doc, args.length], [h.path, ...args, ...(h.env ?? [])]);
  });
}

export function hasAnyHooks(hooks: Record<string, readonly Hook[] | undefined> | undefined): boolean {
  return Object.values(hooks ?? {}).some((list) => (list ?? []).length > 0);
}
