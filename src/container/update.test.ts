import { describe, expect, it } from "vitest";
import { runcUpdateRules } from "./update.js";

describe("runcUpdateRules", () => {
  it("an unlimited memory limit without a swap value lifts swap too", () => {
    expect(runcUpdateRules({ memory: { limit: -1 }, pids: { limit: 5 } })).toEqual({ memory: { limit: -1, swap: -1 }, pids: { limit: 5 } });
  });

  it("leaves an explicit swap, a finite limit, and no memory at all as they are", () => {
    expect(runcUpdateRules({ memory: { limit: -1, swap: 1 << 30 } })).toEqual({ memory: { limit: -1, swap: 1 << 30 } });
    expect(runcUpdateRules({ memory: { limit: 1 << 20 } })).toEqual({ memory: { limit: 1 << 20 } });
    expect(runcUpdateRules({ cpu: { shares: 2 } })).toEqual({ cpu: { shares: 2 } });
  });

  it("drops device rules: an update never rewrites the device list", () => {
    expect(runcUpdateRules({ devices: [{ allow: false, access: "rwm" }], pids: { limit: 5 } })).toEqual({ pids: { limit: 5 } });
  });
});
