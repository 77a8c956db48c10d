// Whether a container's cgroup is frozen, read from its saved paths alone. `state`, `list` and
// `kill` ask it of every live container and need nothing else of the cgroups, so it lives apart
// from the cgroup manager, which those commands then never load (docs/architecture.md).
import type { CgroupMode } from "./mounts.js";
import { platform } from "../platform/index.js";

/** The key of the cgroup v2 (unified) hierarchy in `SavedCgroups.paths`, as in runc's state. */
export const UNIFIED = "";

/** v2: the container's own cgroup.freeze; v1 and hybrid: the freezer controller's state. */
export async function isFrozen(saved: { mode: CgroupMode; paths: Record<string, string> }): Promise<boolean> {
  const [dir, file, frozen] = saved.mode === "v2" ? [saved.paths[UNIFIED], "cgroup.freeze", "1"] : [saved.paths.freezer, "freezer.state", "FROZEN"];
  return dir !== undefined && (await platform().readText(`${dir}/${file}`))?.trim() === frozen;
}
