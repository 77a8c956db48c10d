// Idmapped mounts (config.md "Mounts": uidMappings/gidMappings, options idmap/ridmap). The
// helper, still in the runtime's user namespace, clones each source as a detached mount and
// idmaps it with mount_setattr(MOUNT_ATTR_IDMAP) through a user namespace carrying the mount's
// mappings; the init attaches the clone at the destination (OP_MOVE_TREE). A container with a
// user namespace of its own gets them from the bind source opener instead (bind-sources.ts).
import * as path from "../posix-path.js";
import type { IDMapping, Mount, Spec } from "../spec/types.js";
import { parseMountOptions } from "./mount-options.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

export interface Idmap {
  uidMap: string;
  gidMap: string;
  /** ridmap: the mapping applies to every mount below the source too */
  recursive: boolean;
}

/** The host id a container id maps to through `maps`; undefined when no mapping holds it. */
export function hostIdOf(maps: readonly IDMapping[], id: number): number | undefined {
  const m = maps.find((x) => x.containerID <= id && id < x.containerID + x.size);
  return m && m.hostID + (id - m.containerID);
}

/** uid_map/gid_map text: "containerID hostID size" lines, the user namespace format. */
export function formatIdMap(mappings: readonly IDMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}

/**
 * The idmapping a mount asks for, or undefined. spec/ has seen to the rest: only bind mounts,
 * both mappings or neither, and without its own the container's user namespace has them.
 */
export function mountIdmap(m: Mount, spec: Spec): Idmap | undefined {
  const o = parseMountOptions(m.options, m.type);
  if (!m.uidMappings?.length && !m.gidMappings?.length && !o.idmap) return undefined;
  const uid = m.uidMappings ?? spec.linux?.uidMappings ?? [];
  const gid = m.gidMappings ?? spec.linux?.gidMappings ?? [];
  return { uidMap: formatIdMap(uid), gidMap: formatIdMap(gid), recursive: o.idmap === "ridmap" };
}

/** The slot (in the executor's table of detached trees) of each idmapped mount, by mount index. */
export function idmapSlots(spec: Spec): Map<number, number> {
  const slots = new Map<number, number>();
  (spec.mounts ?? []).forEach((m, i) => {
    if (mountIdmap(m, spec)) slots.set(i, slots.size);
  });
  return slots;
}

/** Helper-phase steps, before the namespaces: one idmapped clone of each source. */
export function idmapTreeSteps(spec: Spec, bundle: string, slots: Map<number, number>): Step[] {
  const mounts = spec.mounts ?? [];
  return [...slots].map(([i, slot]) => {
    const m = mounts[i];
    const map = mountIdmap(m, spec)!;
    const source = path.resolve(bundle, m.source ?? "");
    const rbind = parseMountOptions(m.options, m.type).recursive;
    return step(Op.IDMAP_TREE, `idmap ${source} for mounts[${i}] ${m.destination}`, [slot, rbind ? 1 : 0, map.recursive ? 1 : 0], [source, map.uidMap, map.gidMap]);
  });
}
