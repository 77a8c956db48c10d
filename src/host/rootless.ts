// Rootless: skiff run by a user without host root (runc's rules). Read from the process's own
// facts: its effective uid and whether it sits in a user namespace that maps less than the host.
import { SkiffError } from "../errors.js";
import { join } from "../posix-path.js";
import type { Identity } from "./identity.js";

/** What rootless mode is decided from (ownIdentity() gives it; tests pass their own). */
export type RootlessFacts = Pick<Identity, "euid" | "inUserNamespace">;

/** `--rootless true|false|auto` (absent = auto): auto is an unprivileged euid, or root in a user namespace. */
export function isRootless(flag: string | undefined, facts: RootlessFacts): boolean {
  if (flag === "true") return true;
  if (flag === "false") return false;
  if (flag !== undefined && flag !== "auto") throw new SkiffError("InvalidArgument", `--rootless: must be true, false or auto (got "${flag}")`);
  return facts.euid !== 0 || facts.inUserNamespace;
}

export const DEFAULT_STATE_ROOT = "/run/skiff";

/**
 * The state root without --root: $XDG_RUNTIME_DIR/skiff for an unprivileged user (or root in a
 * user namespace whose $USER is not root), as runc uses $XDG_RUNTIME_DIR/runc; else /run/skiff.
 */
export function defaultStateRoot(env: NodeJS.ProcessEnv, facts: RootlessFacts): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (!xdg) return DEFAULT_STATE_ROOT;
  const honour = facts.euid !== 0 || (facts.inUserNamespace && env.USER !== "root");
  return honour ? join(xdg, "skiff") : DEFAULT_STATE_ROOT;
}

/**
 * `id` of this user namespace as the parent namespace sees it, through a uid_map/gid_map text
 * ("inside outside count" lines); the id itself when no line maps it (the initial namespace).
 */
export function outsideId(id: number, map: string): number {
  for (const line of map.split("\n")) {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    if (inside !== undefined && outside !== undefined && count !== undefined && id >= inside && id < inside + count) return outside + (id - inside);
  }
  return id;
}
