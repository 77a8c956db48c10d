import { describe, expect, it } from "vitest";
import type { Scheduler } from "../spec/types.js";
import { encodeSchedAttr, schedAttr } from "./scheduler.js";

describe("schedAttr", () => {
  it("leaves scheduling alone without a scheduler", () => {
    expect(schedAttr(undefined)).toBeUndefined();
  });

  it("maps SCHED_OTHER with nice, defaulting the rest to 0", () => {
    expect(schedAttr({ policy: "SCHED_OTHER", nice: 5 })).toEqual({ policy: 0, flags: 0n, nice: 5, priority: 0, runtime: 0n, deadline: 0n, period: 0n });
    expect(schedAttr({ policy: "SCHED_IDLE" })?.policy).toBe(5);
    expect(schedAttr({ policy: "SCHED_BATCH", nice: -20 })?.policy).toBe(3);
  });

  it("maps real-time policies with priority and ORs the flags", () => {
    expect(schedAttr({ policy: "SCHED_RR", priority: 99, flags: ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_UTIL_CLAMP_MAX"] })).toMatchObject({ policy: 2, priority: 99, flags: 0x41n });
    expect(schedAttr({ policy: "SCHED_FIFO", priority: 1 })).toMatchObject({ policy: 1, priority: 1 });
  });

  it("maps SCHED_DEADLINE's times", () => {
    expect(schedAttr({ policy: "SCHED_DEADLINE", runtime: 10_000_000, deadline: 30_000_000, period: 100_000_000, flags: ["SCHED_FLAG_DL_OVERRUN"] })).toEqual({
      policy: 6,
      flags: 4n,
      nice: 0,
      priority: 0,
      runtime: 10_000_000n,
      deadline: 30_000_000n,
      period: 100_000_000n,
    });
  });

  it.each<[Scheduler, string]>([
    [{ policy: "SCHED_FAST" }, 'process.scheduler.policy: unknown policy "SCHED_FAST"'],
    [{ policy: "SCHED_ISO" }, "process.scheduler.policy: SCHED_ISO is not implemented by Linux"],
    [{ policy: "SCHED_OTHER", nice: 20 }, "process.scheduler.nice: must be an integer from -20 to 19, got 20"],
    [{ policy: "SCHED_OTHER", priority: 3 }, "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority, not SCHED_OTHER"],
    [{ policy: "SCHED_FIFO" }, "process.scheduler.priority: must be an integer from 1 to 99 for SCHED_FIFO, got 0"],
    [{ policy: "SCHED_RR", priority: 100 }, "process.scheduler.priority: must be an integer from 1 to 99 for SCHED_RR, got 100"],
    [{ policy: "SCHED_BATCH", deadline: 5 }, "process.scheduler.deadline: only SCHED_DEADLINE takes runtime, deadline and period, not SCHED_BATCH"],
    [{ policy: "SCHED_DEADLINE", runtime: 10, deadline: 5, period: 20 }, "process.scheduler.runtime: SCHED_DEADLINE needs 0 < runtime <= deadline <= period, got 10, 5, 20"],
    [{ policy: "SCHED_DEADLINE", deadline: 5 }, "process.scheduler.runtime: SCHED_DEADLINE needs 0 < runtime <= deadline <= period, got 0, 5, 0"],
    [{ policy: "SCHED_DEADLINE", runtime: -1, deadline: 5 }, "process.scheduler.runtime: must be a non-negative integer of nanoseconds, got -1"],
    [{ policy: "SCHED_OTHER", flags: ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_TURBO"] }, 'process.scheduler.flags[1]: unknown flag "SCHED_FLAG_TURBO"'],
  ])("rejects %j", (s, message) => {
    expect(() => schedAttr(s)).toThrowError(expect.objectContaining({ kind: "InvalidConfig", message }));
  });
});

describe("encodeSchedAttr", () => {
  it("lays out struct sched_attr (SCHED_ATTR_SIZE_VER1)", () => {
    const buf = encodeSchedAttr(schedAttr({ policy: "SCHED_DEADLINE", nice: -3, runtime: 1_000_000, deadline: 2_000_000, period: 3_000_000, flags: ["SCHED_FLAG_RECLAIM"] })!);
    expect(buf.length).toBe(56);
    expect([buf.readUInt32LE(0), buf.readUInt32LE(4), buf.readBigUInt64LE(8), buf.readInt32LE(16), buf.readUInt32LE(20)]).toEqual([56, 6, 2n, -3, 0]);
    expect([buf.readBigUInt64LE(24), buf.readBigUInt64LE(32), buf.readBigUInt64LE(40), buf.readBigUInt64LE(48)]).toEqual([1_000_000n, 2_000_000n, 3_000_000n, 0n]);
  });
});
