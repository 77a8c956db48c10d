// linux.namespaces → the helper's setns/unshare steps (config-linux.md "Namespaces").
import type { Namespace, NamespaceType } from "../spec/types.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

export const CLONE_NEW: Record<NamespaceType, number> = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  cgroup: 0x02000000,
  time: 0x00000080,
};

/**
 * Joining order: the user namespace first (it owns the others), the mount namespace last
 * (after it, the other namespace paths may no longer resolve).
 */
const JOIN_ORDER: NamespaceType[] = ["user", "ipc", "uts", "network", "pid", "cgroup", "time", "mount"];

export function namespaceSteps(namespaces: readonly Namespace[], timeOffsets?: Record<string, { secs?: number; nanosecs?: number }>): Step[] {
  const steps: Step[] = [];
  const joins = namespaces.filter((n) => n.path).sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
  for (const ns of joins) steps.push(step(Op.SETNS, `join ${ns.type} namespace ${ns.path}`, [CLONE_NEW[ns.type]], [ns.path!]));
  const fresh = namespaces.filter((n) => !n.path);
  if (fresh.some((n) => n.type === "user")) steps.push(step(Op.UNSHARE_USER, "create user namespace"));
  // A new cgroup namespace is rooted at the cgroup its maker is in: it comes last, in a step of
  // its own, which a create's helper takes only once it has joined the container's cgroups.
  const others = fresh.filter((n) => n.type !== "user" && n.type !== "cgroup");
  const flags = others.reduce((f, n) => f | CLONE_NEW[n.type], 0);
  if (flags) steps.push(step(Op.UNSHARE, `create ${others.map((n) => n.type).join(", ")} namespaces`, [flags]));
  // The validation (spec/semantic-linux.ts) saw to it that offsets come with a new time namespace.
  if (timeOffsets && Object.keys(timeOffsets).length > 0) {
    // Offsets must be written before the first process enters the new time namespace.
    const content = Object.entries(timeOffsets)
      .map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`)
      .join("");
    steps.push(step(Op.WRITE_FILE, "write /proc/self/timens_offsets", [], ["/proc/self/timens_offsets", content]));
  }
  if (fresh.some((n) => n.type === "cgroup")) steps.push(step(Op.UNSHARE, "create cgroup namespace", [CLONE_NEW.cgroup]));
  return steps;
}

export function hasNamespace(namespaces: readonly Namespace[] | undefined, type: NamespaceType): boolean {
  return (namespaces ?? []).some((n) => n.type === type);
}
