import { describe, expect, it } from "vitest";
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
});

describe("encodeSchedAttr", () => {
  it("lays out struct sched_attr (SCHED_ATTR_SIZE_VER1)", () => {
    const buf = encodeSchedAttr(schedAttr({ policy: "SCHED_DEADLINE", nice: -3, runtime: 1_000_000, deadline: 2_000_000, period: 3_000_000, flags: ["SCHED_FLAG_RECLAIM"] })!);
    expect(buf.length).toBe(56);
    expect([buf.readUInt32LE(0), buf.readUInt32LE(4), buf.readBigUInt64LE(8), buf.readInt32LE(16), buf.readUInt32LE(20)]).toEqual([56, 6, 2n, -3, 0]);
    expect([buf.readBigUInt64LE(24), buf.readBigUInt64LE(32), buf.readBigUInt64LE(40), buf.readBigUInt64LE(48)]).toEqual([1_000_000n, 2_000_000n, 3_000_000n, 0n]);
  });
});
