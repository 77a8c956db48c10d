// Id lists (spec/id-list.ts parses them) → the bit masks the kernel takes (cpu_set_t for
// sched_setaffinity, the node mask for set_mempolicy).

/** Bit i of byte i/8 set for each id, in whole 64-bit words (the kernel reads unsigned longs). */
export function idMask(ids: readonly number[]): Buffer {
  const words = ids.length === 0 ? 0 : Math.floor(Math.max(...ids) / 64) + 1;
  const mask = Buffer.alloc(words * 8);
  for (const id of ids) mask[id >> 3] |= 1 << (id & 7);
  return mask;
}
