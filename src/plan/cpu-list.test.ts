import { describe, expect, it } from "vitest";
import { idMask, parseIdList } from "./cpu-list.js";
import { memoryPolicy } from "./memory-policy.js";
import { execAffinitySteps } from "./process.js";
import { Op } from "./protocol.js";

describe("id lists", () => {
  it("parses ranges and single ids, sorted and without repeats", () => {
    expect(parseIdList("0-3,7", "f")).toEqual([0, 1, 2, 3, 7]);
    expect(parseIdList(" 5 , 1-2,2 ", "f")).toEqual([1, 2, 5]);
    expect(parseIdList("", "f")).toEqual([]);
  });

  it("refuses what is not a list, backwards ranges and ids past the mask", () => {
    expect(() => parseIdList("0-", "process.execCPUAffinity.final")).toThrow('process.execCPUAffinity.final: "0-" is not a list like "0-3,7"');
    expect(() => parseIdList("3-1", "f")).toThrow("f: range 3-1 runs backwards");
    expect(() => parseIdList("1024", "f")).toThrow("f: 1024 is above the largest id 1023");
  });

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

  it("refuses unknown modes and flags, and node lists the mode cannot take", () => {
    expect(() => memoryPolicy({ mode: "MPOL_FAST" })).toThrow('linux.memoryPolicy.mode: unknown mode "MPOL_FAST"');
    expect(() => memoryPolicy({ mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_X"] })).toThrow('linux.memoryPolicy.flags[0]: unknown flag "MPOL_F_X"');
    expect(() => memoryPolicy({ mode: "MPOL_DEFAULT", nodes: "0" })).toThrow("linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes");
    expect(() => memoryPolicy({ mode: "MPOL_BIND" })).toThrow("linux.memoryPolicy.nodes: MPOL_BIND needs at least one node");
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
