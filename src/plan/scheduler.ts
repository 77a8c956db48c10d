// process.scheduler → struct sched_attr for sched_setattr(2). Validation follows the kernel's
// own rules (sched_setattr(2)), so a bad config fails before anything is created instead of as
// an EINVAL from inside the container's start.
import { SkiffError } from "../errors.js";
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

function fail(field: string, rule: string): SkiffError {
  return new SkiffError("InvalidConfig", `process.scheduler.${field}: ${rule}`);
}

function nanoseconds(value: number | undefined, field: string): bigint {
  if (value === undefined) return 0n;
  if (!Number.isInteger(value) || value < 0) throw fail(field, `must be a non-negative integer of nanoseconds, got ${JSON.stringify(value)}`);
  return BigInt(value);
}

/** The sched_attr fields, or undefined to leave scheduling alone. */
export function schedAttr(s: Scheduler | undefined): SchedAttr | undefined {
  if (s === undefined) return undefined;
  if (!Object.hasOwn(SCHED_POLICIES, s.policy)) throw fail("policy", `unknown policy ${JSON.stringify(s.policy)}`);
  const name = s.policy as keyof typeof SCHED_POLICIES;
  if (name === "SCHED_ISO") throw fail("policy", "SCHED_ISO is not implemented by Linux");
  const nice = s.nice ?? 0;
  const priority = s.priority ?? 0;
  const realtime = name === "SCHED_FIFO" || name === "SCHED_RR";
  // Only SCHED_OTHER and SCHED_BATCH use nice, but an out-of-range value is a mistake anywhere.
  if (!(Number.isInteger(nice) && nice >= -20 && nice <= 19)) throw fail("nice", `must be an integer from -20 to 19, got ${JSON.stringify(nice)}`);
  if (realtime && !(Number.isInteger(priority) && priority >= 1 && priority <= 99)) {
    throw fail("priority", `must be an integer from 1 to 99 for ${name}, got ${JSON.stringify(priority)}`);
  }
  if (!realtime && priority !== 0) throw fail("priority", `only SCHED_FIFO and SCHED_RR take a priority, not ${name}`);
  const runtime = nanoseconds(s.runtime, "runtime");
  const deadline = nanoseconds(s.deadline, "deadline");
  const period = nanoseconds(s.period, "period");
  if (name === "SCHED_DEADLINE") {
    // The kernel's admission rule: 0 < runtime <= deadline <= period (a zero period means deadline).
    if (runtime === 0n || runtime > deadline || (period !== 0n && deadline > period)) {
      throw fail("runtime", `SCHED_DEADLINE needs 0 < runtime <= deadline <= period, got ${runtime}, ${deadline}, ${period}`);
    }
  } else if (runtime || deadline || period) {
    throw fail(s.runtime ? "runtime" : s.deadline ? "deadline" : "period", `only SCHED_DEADLINE takes runtime, deadline and period, not ${name}`);
  }
  let flags = 0n;
  (s.flags ?? []).forEach((flag, i) => {
    if (!Object.hasOwn(SCHED_FLAGS, flag)) throw fail(`flags[${i}]`, `unknown flag ${JSON.stringify(flag)}`);
    flags |= BigInt(SCHED_FLAGS[flag as keyof typeof SCHED_FLAGS]);
  });
  return { policy: SCHED_POLICIES[name], flags, nice, priority, runtime, deadline, period };
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
