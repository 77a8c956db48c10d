import { describe, expect, it } from "vitest";
import { withUnlimitedSwapRule } from "./update.js";

describe("withUnlimitedSwapRule (runc update's memory rule)", () => {
  it("an unlimited memory limit without a swap value lifts swap too", () => {
    expect(withUnlimitedSwapRule({ memory: { limit: -1 }, pids: { limit: 5 } })).toEqual({ memory: { limit: -1, swap: -1 }, pids: { limit: 5 } });
  });

  it("leaves an explicit swap, a finite limit, and no memory at all as they are", () => {
    expect(withUnlimitedSwapRule({ memory: { limit: -1, swap: 1 << 30 } })).toEqual({ memory: { limit: -1, swap: 1 << 30 } });
    expect(withUnlimitedSwapRule({ memory: { limit: 1 << 20 } })).toEqual({ memory: { limit: 1 << 20 } });
    expect(withUnlimitedSwapRule({ cpu: { shares: 2 } })).toEqual({ cpu: { shares: 2 } });
  });
});
