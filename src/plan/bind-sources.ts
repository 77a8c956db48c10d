// Bind mounts in a user namespace (runc's "mount sources"): the container's root cannot reach a
// source below a directory only host root may enter (runc's userns.bats "inaccessible mounts").
// A child of the helper keeps the runtime's credentials, joins the container's mount namespace
// once it exists and clones each source there, idmapped if asked (idmap.ts); the init attaches
// the clones (OP_MOVE_TREE). Cloned in that namespace, not the host's, a clone keeps the locks
// of its copy there: a read-only host mount stays read-only for the container's root.
// Done as runc does: only for a root runtime (a rootless one owns its sources anyway, and
// could not reach the others either).
import * as path from "../posix-path.js";
import type { Spec } from "../spec/types.js";
import { mountIdmap } from "./idmap.js";
import { parseMountOptions } from "./mount-options.js";
import { hasNamespace } from "./namespaces.js";
import { step, type Step } from "./plan.js";
import { Op, SourceFlag } from "./protocol.js";

/** The bind mounts that go through the opener: mount index → executor slot (0, 1, ...). */
export function bindSourceSlots(spec: Spec, runtimeIsRoot: boolean): Map<number, number> {
  const slots = new Map<number, number>();
  const ns = spec.linux?.namespaces;
  if (!runtimeIsRoot || !hasNamespace(ns, "user") || !hasNamespace(ns, "mount")) return slots;
  (spec.mounts ?? []).forEach((m, i) => {
    if (m.type === "cgroup" || m.type === "cgroup2" || !m.source) return;
    if (parseMountOptions(m.options, m.type).bind) slots.set(i, slots.size);
  });
  return slots;
}

/** Helper, before the namespaces: fork the opener. Ints: the first slot, then 4 flag bits per source. */
export function bindSourcePrepareSteps(spec: Spec, bundle: string, slots: ReadonlyMap<number, number>): Step[] {
  if (slots.size === 0) return [];
  const mounts = spec.mounts ?? [];
  const indexes = [...slots.keys()];
  const flags = Array.from({ length: Math.ceil(indexes.length / 16) }, () => 0n);
  const strs = indexes.flatMap((i, k) => {
    const m = mounts[i];
    const map = mountIdmap(m, spec);
    const f = (parseMountOptions(m.options, m.type).recursive ? SourceFlag.RBIND : 0) | (map ? SourceFlag.IDMAP : 0) | (map?.recursive ? SourceFlag.RIDMAP : 0);
    flags[k >> 4] |= BigInt(f) << BigInt(4 * (k & 15));
    return [path.resolve(bundle, m.source!), map?.uidMap ?? "", map?.gidMap ?? ""];
  });
  return [step(Op.BIND_SOURCES_PREPARE, "prepare to open the bind mount sources with the runtime's credentials", [slots.get(indexes[0])!, ...flags], strs)];
}

/** Helper, in the container's mount namespace: the opener clones the sources there. */
export function bindSourceOpenSteps(slots: ReadonlyMap<number, number>): Step[] {
  return slots.size === 0 ? [] : [step(Op.BIND_SOURCES_OPEN, "clone the bind mount sources in the container's mount namespace")];
}
