// Idmapped mounts (config.md "Mounts": uidMappings/gidMappings, options idmap/ridmap). The
// helper, still in the runtime's user namespace, clones each source as a detached mount and
// idmaps it with mount_setattr(MOUNT_ATTR_IDMAP) through a user namespace carrying the mount's
// mappings; the init attaches the clone at the destination (OP_MOVE_TREE). A container with a
// user namespace of its own gets them from the bind source opener instead (bind-sources.ts).
import * as path from "node:path";
import { SkiffError } from "../errors.js";
import type { IDMapping, Mount, Spec } from "../spec/types.js";
import { hasNamespace } from "./namespaces.js";
import { parseMountOptions } from "./mount-options.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

export interface Idmap {
  uidMap: string;
  gidMap: string;
  /** ridmap: the mapping applies to every mount below the source too */
  recursive: boolean;
}

/** uid_map/gid_map text: "containerID hostID size" lines, the user namespace format. */
function mapText(mappings: readonly IDMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}

/** The idmapping mounts[index] asks for, or undefined; a form the spec forbids is an error. */
export function mountIdmap(m: Mount, index: number, spec: Spec): Idmap | undefined {
  const where = `mounts[${index}]`;
  const o = parseMountOptions(m.options, m.type);
  const hasUid = (m.uidMappings?.length ?? 0) > 0;
  const hasGid = (m.gidMappings?.length ?? 0) > 0;
  if (!hasUid && !hasGid && !o.idmap) return undefined;
  if (hasUid !== hasGid) throw new SkiffError("InvalidConfig", `${where}: uidMappings and gidMappings must be given together`);
  if (!o.bind) throw new SkiffError("InvalidConfig", `${where}: only bind mounts can be idmapped`);
  let uid = m.uidMappings ?? [];
  let gid = m.gidMappings ?? [];
  if (!hasUid) {
    // idmap/ridmap without mappings of its own: the container's user namespace mappings.
    if (!hasNamespace(spec.linux?.namespaces, "user") || !spec.linux?.uidMappings?.length || !spec.linux?.gidMappings?.length) {
      throw new SkiffError("InvalidConfig", `${where}.options: ${o.idmap} needs uidMappings and gidMappings, or a user namespace with mappings`);
    }
    uid = spec.linux.uidMappings;
    gid = spec.linux.gidMappings;
  }
  return { uidMap: mapText(uid), gidMap: mapText(gid), recursive: o.idmap === "ridmap" };
}

/** The slot (in the executor's table of detached trees) of each idmapped mount, by mount index. */
export function idmapSlots(spec: Spec): Map<number, number> {
  const slots = new Map<number, number>();
  (spec.mounts ?? []).forEach((m, i) => {
    if (mountIdmap(m, i, spec)) slots.set(i, slots.size);
  });
  return slots;
}

/** Helper-phase steps, before the namespaces: one idmapped clone of each source. */
export function idmapTreeSteps(spec: Spec, bundle: string, slots: Map<number, number>): Step[] {
  const mounts = spec.mounts ?? [];
  return [...slots].map(([i, slot]) => {
    const m = mounts[i];
    const map = mountIdmap(m, i, spec)!;
    const source = path.resolve(bundle, m.source ?? "");
    const rbind = parseMountOptions(m.options, m.type).recursive;
    return step(Op.IDMAP_TREE, `idmap ${source} for mounts[${i}] ${m.destination}`, [slot, rbind ? 1 : 0, map.recursive ? 1 : 0], [source, map.uidMap, map.gidMap]);
  });
}
