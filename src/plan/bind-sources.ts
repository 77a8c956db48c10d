// Bind mounts in a user namespace (runc's "mount sources"): the container's root cannot reach a
// source below a directory only host root may enter (runc's userns.bats "inaccessible mounts").
// A child of the helper keeps the runtime's credentials, joins the container's mount namespace
// once it exists and clones each source there; the init attaches the clones (OP_MOVE_TREE).
// Done as runc does: only for a root runtime (a rootless one owns its sources anyway, and
// could not reach the others either).
import * as path from "node:path";
import type { Spec } from "../spec/types.js";
import { parseMountOptions } from "./mount-options.js";
import { hasNamespace } from "./namespaces.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

/** Mounts that go through the opener: mount index → slot, consecutive after the slots already taken. */
export function bindSourceSlots(spec: Spec, runtimeIsRoot: boolean, taken: ReadonlyMap<number, number>): Map<number, number> {
  const slots = new Map<number, number>();
  const ns = spec.linux?.namespaces;
  if (!runtimeIsRoot || !hasNamespace(ns, "user") || !hasNamespace(ns, "mount")) return slots;
  (spec.mounts ?? []).forEach((m, i) => {
    if (taken.has(i) || m.type === "cgroup" || m.type === "cgroup2" || !m.source) return;
    if (parseMountOptions(m.options, m.type).bind) slots.set(i, taken.size + slots.size);
  });
  return slots;
}

/** Helper, before the namespaces: fork the opener. Its ints: the first slot, then the rbind flags as bits. */
export function bindSourcePrepareSteps(spec: Spec, bundle: string, slots: ReadonlyMap<number, number>): Step[] {
  if (slots.size === 0) return [];
  const mounts = spec.mounts ?? [];
  const indexes = [...slots.keys()];
  const bits = Array.from({ length: Math.ceil(indexes.length / 64) }, () => 0n);
  indexes.forEach((i, k) => {
    if (parseMountOptions(mounts[i].options, mounts[i].type).recursive) bits[k >> 6] |= 1n << BigInt(k & 63);
  });
  const sources = indexes.map((i) => path.resolve(bundle, mounts[i].source!));
  return [step(Op.BIND_SOURCES_PREPARE, "prepare to open the bind mount sources with the runtime's credentials", [slots.get(indexes[0])!, ...bits], sources)];
}

/** Helper, in the container's mount namespace: the opener clones the sources there. */
export function bindSourceOpenSteps(slots: ReadonlyMap<number, number>): Step[] {
  return slots.size === 0 ? [] : [step(Op.BIND_SOURCES_OPEN, "open the bind mount sources in the container's mount namespace")];
}
