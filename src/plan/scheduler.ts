// process.scheduler → struct sched_attr for sched_setattr(2). spec/ has checked it by the
// kernel's own rules (sched_setattr(2)), so a bad config fails before anything is created.
import type { Scheduler } from "../spec/types.js";

/** linux/sched.h policies. SCHED_ISO (4) is reserved there but Linux never implemented it. */
export const SCHED_POLICIES = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
} as const;

export const SCHED_FLAGS = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
} as const;

export interface SchedAttr {
  policy: number;
  flags: bigint;
  nice: number;
  priority: number;
  runtime: bigint;
  deadline: bigint;
  period: bigint;
}

/** The sched_attr fields, or undefined to leave scheduling alone. */
export function schedAttr(s: Scheduler | undefined): SchedAttr | undefined {
  if (s === undefined) return undefined;
  let flags = 0n;
  for (const flag of s.flags ?? []) flags |= BigInt(SCHED_FLAGS[flag as keyof typeof SCHED_FLAGS]);
  return {
    policy: SCHED_POLICIES[s.policy as keyof typeof SCHED_POLICIES],
    flags,
    nice: s.nice ?? 0,
    priority: s.priority ?? 0,
    runtime: BigInt(s.runtime ?? 0),
    deadline: BigInt(s.deadline ?? 0),
    period: BigInt(s.period ?? 0),
  };
}

/**
 * struct sched_attr in its 56-byte form (SCHED_ATTR_SIZE_VER1, as runc passes it): the
 * utilization clamps the spec has no fields for are 0.
 */
export function encodeSchedAttr(a: SchedAttr): Buffer {
  const buf = Buffer.alloc(56);
  buf.writeUInt32LE(56, 0);
  buf.writeUInt32LE(a.policy, 4);
  buf.writeBigUInt64LE(a.flags, 8);
  buf.writeInt32LE(a.nice, 16);
  buf.writeUInt32LE(a.priority, 20);
  buf.writeBigUInt64LE(a.runtime, 24);
  buf.writeBigUInt64LE(a.deadline, 32);
  buf.writeBigUInt64LE(a.period, 40);
  return buf;
}
