// config.md "POSIX-platform Hooks" run by the runtime itself (in the runtime namespace):
// prestart, createRuntime, poststart, poststop. createContainer and startContainer run inside
// the container, from the plan (plan/hooks.ts). Each hook gets the container state on stdin.
import { SkiffError } from "../errors.js";
import { errnoName } from "../linux/errno.js";
import { log } from "../log.js";
import type { Hook, State, Status } from "../spec/types.js";

export type RuntimeHookKind = "prestart" | "createRuntime" | "poststart" | "poststop";

export interface HookSubject {
  ociVersion: string;
  id: string;
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** The state document a hook reads on stdin (runtime.md "State"). */
export function hookState(c: HookSubject, status: Status): State {
  const s: State = { ociVersion: c.ociVersion, id: c.id, status, pid: c.pid, bundle: c.bundle };
  if (c.annotations && Object.keys(c.annotations).length > 0) s.annotations = c.annotations;
  return s;
}

/** Runs one kind of hooks in order; the first failure throws (the caller decides what it means). */
export function runHooks(kind: RuntimeHookKind, hooks: readonly Hook[] | undefined, state: State): void {
  (hooks ?? []).forEach((h, i) => runHook(kind, h, i, state));
}

/** poststop: a failure is only a warning, and the remaining hooks still run. */
export function runPoststopHooks(hooks: readonly Hook[] | undefined, state: State): void {
  (hooks ?? []).forEach((h, i) => {
    try {
      runHook("poststop", h, i, state);
    } catch (e) {
      log("warning", (e as Error).message);
    }
  });
}

/** Errors read as runc's ("error running hook #0: …") and name the stage and path too. */
function runHook(kind: RuntimeHookKind, h: Hook, index: number, state: State): void {
  const [argv0, ...args] = h.args ?? [h.path];
  // loaded on use: node:child_process is costly for Bun to load, and most containers have no hooks
  const r = process.getBuiltinModule("node:child_process").spawnSync(h.path, args, {
    argv0,
    env: Object.fromEntries((h.env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
    input: JSON.stringify(state),
    stdio: ["pipe", "inherit", "pipe"],
    timeout: h.timeout ? h.timeout * 1000 : undefined,
    killSignal: "SIGKILL",
  });
  const name = `error running hook #${index} (${kind} ${h.path})`;
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT") throw new SkiffError("Hook", `${name}: timed out after ${h.timeout} s`);
  if (r.error) {
    const errno = (r.error as NodeJS.ErrnoException).errno;
    throw new SkiffError("Hook", `${name}: exec: ${typeof errno === "number" ? errnoName(-errno) : r.error.message}`);
  }
  const stderr = r.stderr?.toString().trim();
  if (r.signal) throw new SkiffError("Hook", `${name}: killed by ${r.signal}${stderr ? `: ${stderr}` : ""}`);
  if (r.status !== 0) throw new SkiffError("Hook", `${name}: exit status ${r.status}${stderr ? `: ${stderr}` : ""}`);
}
