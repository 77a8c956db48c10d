import { describe, expect, it } from "vitest";
import { idMask } from "./cpu-list.js";
import { memoryPolicy } from "./memory-policy.js";
import { execAffinitySteps } from "./process.js";
import { Op } from "./protocol.js";

describe("id masks", () => {
  it("masks in whole 64-bit words, id i at bit i%8 of byte i/8", () => {
    const mask = idMask([0, 9, 65]);
    expect(mask.length).toBe(16);
    expect([...mask.subarray(0, 2)]).toEqual([0b1, 0b10]);
    expect(mask[8]).toBe(0b10);
    expect(idMask([]).length).toBe(0);
  });
});

describe("memory policy", () => {
  it("mode with flags, nodes as a mask", () => {
    expect(memoryPolicy({ mode: "MPOL_INTERLEAVE", nodes: "0-1", flags: ["MPOL_F_STATIC_NODES"] })).toEqual({ mode: 3 | (1 << 15), nodes: [0, 1], mask: idMask([0, 1]) });
    expect(memoryPolicy({ mode: "MPOL_LOCAL" })?.mode).toBe(4);
    expect(memoryPolicy(undefined)).toBeUndefined();
  });
});

describe("execCPUAffinity", () => {
  const base = { cwd: "/", user: { uid: 0, gid: 0 }, args: ["true"] };
  it("final becomes a sched_setaffinity mask; initial alone changes nothing in the process", () => {
    expect(execAffinitySteps({ ...base, execCPUAffinity: { initial: "1", final: "0-1" } })).toEqual([
      { op: Op.SET_AFFINITY, what: "set process.execCPUAffinity.final 0-1", ints: [], strs: [idMask([0, 1])] },
    ]);
    expect(execAffinitySteps({ ...base, execCPUAffinity: { initial: "1" } })).toEqual([]);
  });
});
