// "0-3,7"-style lists (process.execCPUAffinity, linux.memoryPolicy.nodes) → the bit masks the
// kernel takes (cpu_set_t for sched_setaffinity, the node mask for set_mempolicy).
import { SkiffError } from "../errors.js";

/** The largest id a list may name: cpu_set_t holds 1024 CPUs, the node mask as many nodes. */
export const MAX_LIST_ID = 1023;

/** The ids a list names, ascending; `field` names it in errors. An empty list is []. */
export function parseIdList(text: string, field: string): number[] {
  const ids = new Set<number>();
  if (text.trim() === "") return [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new SkiffError("InvalidConfig", `${field}: ${JSON.stringify(text)} is not a list like "0-3,7"`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) throw new SkiffError("InvalidConfig", `${field}: range ${part.trim()} runs backwards`);
    if (last > MAX_LIST_ID) throw new SkiffError("InvalidConfig", `${field}: ${last} is above the largest id ${MAX_LIST_ID}`);
    for (let id = first; id <= last; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Bit i of byte i/8 set for each id, in whole 64-bit words (the kernel reads unsigned longs). */
export function idMask(ids: readonly number[]): Buffer {
  const words = ids.length === 0 ? 0 : Math.floor(Math.max(...ids) / 64) + 1;
  const mask = Buffer.alloc(words * 8);
  for (const id of ids) mask[id >> 3] |= 1 << (id & 7);
  return mask;
}
