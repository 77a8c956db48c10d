import { describe, expect, it } from "vitest";
import type { Process } from "../spec/types.js";
import { ioPriorityValue } from "./io-priority.js";

describe("ioPriorityValue", () => {
  it("packs class and level as IOPRIO_PRIO_VALUE does", () => {
    expect(ioPriorityValue({ class: "IOPRIO_CLASS_RT", priority: 0 })).toBe(0x2000);
    expect(ioPriorityValue({ class: "IOPRIO_CLASS_BE", priority: 4 })).toBe(0x4004);
    expect(ioPriorityValue({ class: "IOPRIO_CLASS_IDLE", priority: 7 })).toBe(0x6007);
    expect(ioPriorityValue(undefined)).toBeUndefined();
  });

  it.each<[NonNullable<Process["ioPriority"]>, string]>([
    [{ class: "IOPRIO_CLASS_NONE" as "IOPRIO_CLASS_BE", priority: 0 }, 'process.ioPriority.class: must be IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE, got "IOPRIO_CLASS_NONE"'],
    [{ class: "IOPRIO_CLASS_BE", priority: 8 }, "process.ioPriority.priority: must be an integer from 0 (highest) to 7 (lowest), got 8"],
    [{ class: "IOPRIO_CLASS_BE", priority: -1 }, "process.ioPriority.priority: must be an integer from 0 (highest) to 7 (lowest), got -1"],
  ])("rejects %j", (io, message) => {
    expect(() => ioPriorityValue(io)).toThrowError(expect.objectContaining({ kind: "InvalidConfig", message }));
  });
});
