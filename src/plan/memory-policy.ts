// linux.memoryPolicy → set_mempolicy(2) arguments (linux/mempolicy.h).
import type { Linux } from "../spec/types.js";
import { parseIdList } from "../spec/id-list.js";
import { idMask } from "./cpu-list.js";

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

export interface MemoryPolicy {
  /** mode | flags, the first argument of set_mempolicy */
  mode: number;
  nodes: number[];
  mask: Buffer;
}

/** set_mempolicy's arguments; spec/ has checked the mode, the flags and the node list. */
export function memoryPolicy(mp: Linux["memoryPolicy"]): MemoryPolicy | undefined {
  if (mp === undefined) return undefined;
  const nodes = parseIdList(mp.nodes ?? "");
  let mode: number = MPOL_MODES[mp.mode as keyof typeof MPOL_MODES];
  for (const flag of mp.flags ?? []) mode |= MPOL_FLAGS[flag as keyof typeof MPOL_FLAGS];
  return { mode, nodes, mask: idMask(nodes) };
}
