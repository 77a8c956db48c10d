// linux.uidMappings / gidMappings, written by the parent into the helper's new user namespace.
import * as fs from "node:fs";
import type { IDMapping, Spec } from "../spec/types.js";

export function formatIdMap(maps: readonly IDMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}

export function writeIdMaps(pid: number, spec: Spec): void {
  const linux = spec.linux ?? {};
  fs.writeFileSync(`/proc/${pid}/uid_map`, formatIdMap(linux.uidMappings ?? []));
  fs.writeFileSync(`/proc/${pid}/gid_map`, formatIdMap(linux.gidMappings ?? []));
}

/** The host uid/gid the container's root maps to (the owner of files it must open). */
export function hostRootIds(spec: Spec): { uid: number; gid: number } {
  const find = (maps: readonly IDMapping[] | undefined) => {
    const m = (maps ?? []).find((x) => x.containerID <= 0 && 0 < x.containerID + x.size);
    return m ? m.hostID - m.containerID : 0;
  };
  return { uid: find(spec.linux?.uidMappings), gid: find(spec.linux?.gidMappings) };
}
