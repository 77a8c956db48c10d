// linux.uidMappings / gidMappings, written by the parent into the helper's new user namespace.
// Root writes them itself. An unprivileged user may write only a single mapping of its own ids,
// and the gid map only after denying setgroups; anything more goes through the setuid
// newuidmap/newgidmap (Debian's uidmap), which check /etc/subuid and /etc/subgid (runc's rules).
import { SkiffError } from "../errors.js";
import { syscallError } from "../linux/errno.js";
import { writeFileThroughLibc } from "../linux/io.js";
import { formatIdMap, hostIdOf } from "../plan/idmap.js";
import type { IDMapping, Spec } from "../spec/types.js";

/** How the maps get written: by us, by us after denying setgroups, or by newuidmap/newgidmap. */
export type IdMapMethod = "direct" | "own-ids" | "newidmap";

const isOwnId = (maps: readonly IDMapping[] | undefined, id: number) => maps?.length === 1 && maps[0].size === 1 && maps[0].hostID === id;

export function idMapMethod(spec: Spec, caller: { euid: number; egid: number }): IdMapMethod {
  if (caller.euid === 0) return "direct";
  return isOwnId(spec.linux?.uidMappings, caller.euid) && isOwnId(spec.linux?.gidMappings, caller.egid) ? "own-ids" : "newidmap";
}

/** Callers: the pid whose namespace gets the maps, and what idMapMethod chose. */
export function writeIdMaps(pid: number, spec: Spec, method: IdMapMethod): void {
  const uid = spec.linux?.uidMappings ?? [];
  const gid = spec.linux?.gidMappings ?? [];
  if (method === "newidmap") {
    newIdMap("newuidmap", "linux.uidMappings", "/etc/subuid", pid, uid);
    newIdMap("newgidmap", "linux.gidMappings", "/etc/subgid", pid, gid);
    return;
  }
  if (method === "own-ids") writeProcFile(pid, "setgroups", "deny", "linux.gidMappings");
  writeProcFile(pid, "uid_map", formatIdMap(uid), "linux.uidMappings");
  writeProcFile(pid, "gid_map", formatIdMap(gid), "linux.gidMappings");
}

/** One write (an id map must be written whole, at once); a failure names the field and file. */
function writeProcFile(pid: number, file: string, text: string, field: string): void {
  const p = `/proc/${pid}/${file}`;
  try {
    writeFileThroughLibc(p, text);
  } catch (e) {
    throw syscallError(`${field}: writing ${p}`, e);
  }
}

function newIdMap(tool: string, field: string, subIds: string, pid: number, maps: readonly IDMapping[]): void {
  const args = [String(pid), ...maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
  // loaded on use (rootless only): node:child_process is costly for Bun to load
  const r = process.getBuiltinModule("node:child_process").spawnSync(tool, args, { encoding: "utf8" });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new SkiffError("PermissionDenied", `${field}: mapping more than your own id needs ${tool}${missing ? " (not installed: Debian package uidmap)" : `: ${r.error.message}`}`);
  }
  if (r.status !== 0) throw new SkiffError("PermissionDenied", `${field}: ${tool} refused the mapping (check ${subIds}): ${r.stderr.trim()}`);
}

/** The host uid/gid the container's root maps to (the owner of files it must open). */
export function hostRootIds(spec: Spec): { uid: number; gid: number } {
  return { uid: hostIdOf(spec.linux?.uidMappings ?? [], 0) ?? 0, gid: hostIdOf(spec.linux?.gidMappings ?? [], 0) ?? 0 };
}
