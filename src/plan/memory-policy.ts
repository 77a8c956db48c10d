// linux.memoryPolicy → set_mempolicy(2) arguments (linux/mempolicy.h).
import { SkiffError } from "../errors.js";
import type { Linux } from "../spec/types.js";
import { idMask, parseIdList } from "./cpu-list.js";

export const MPOL_MODES = {
  MPOL_DEFAULT: 0,
  MPOL_PREFERRED: 1,
  MPOL_BIND: 2,
  MPOL_INTERLEAVE: 3,
  MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
} as const;

export const MPOL_FLAGS = {
  MPOL_F_NUMA_BALANCING: 1 << 13,
  MPOL_F_RELATIVE_NODES: 1 << 14,
  MPOL_F_STATIC_NODES: 1 << 15,
} as const;

/** Modes that take no nodes, and those that need at least one (set_mempolicy(2)). */
const NO_NODES = new Set(["MPOL_DEFAULT", "MPOL_LOCAL"]);
const NEEDS_NODES = new Set(["MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED_MANY"]);

export interface MemoryPolicy {
  /** mode | flags, the first argument of set_mempolicy */
  mode: number;
  nodes: number[];
  mask: Buffer;
}

export function memoryPolicy(mp: Linux["memoryPolicy"]): MemoryPolicy | undefined {
  if (mp === undefined) return undefined;
  if (!Object.hasOwn(MPOL_MODES, mp.mode)) {
    throw new SkiffError("InvalidConfig", `linux.memoryPolicy.mode: unknown mode ${JSON.stringify(mp.mode)}`);
  }
  const nodes = parseIdList(mp.nodes ?? "", "linux.memoryPolicy.nodes");
  if (NO_NODES.has(mp.mode) && nodes.length > 0) throw new SkiffError("InvalidConfig", `linux.memoryPolicy.nodes: ${mp.mode} takes no nodes`);
  if (NEEDS_NODES.has(mp.mode) && nodes.length === 0) throw new SkiffError("InvalidConfig", `linux.memoryPolicy.nodes: ${mp.mode} needs at least one node`);
  let mode: number = MPOL_MODES[mp.mode as keyof typeof MPOL_MODES];
  (mp.flags ?? []).forEach((flag, i) => {
    if (!Object.hasOwn(MPOL_FLAGS, flag)) throw new SkiffError("InvalidConfig", `linux.memoryPolicy.flags[${i}]: unknown flag ${JSON.stringify(flag)}`);
    mode |= MPOL_FLAGS[flag as keyof typeof MPOL_FLAGS];
  });
  return { mode, nodes, mask: idMask(nodes) };
}
