import { describe, expect, it } from "vitest";
import { ioPriorityValue } from "./io-priority.js";

describe("ioPriorityValue", () => {
  it("packs class and level as IOPRIO_PRIO_VALUE does", () => {
    expect(ioPriorityValue({ class: "IOPRIO_CLASS_RT", priority: 0 })).toBe(0x2000);
    expect(ioPriorityValue({ class: "IOPRIO_CLASS_BE", priority: 4 })).toBe(0x4004);
    expect(ioPriorityValue({ class: "IOPRIO_CLASS_IDLE", priority: 7 })).toBe(0x6007);
    expect(ioPriorityValue(undefined)).toBeUndefined();
  });
});
