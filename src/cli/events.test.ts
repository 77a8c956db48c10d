import { describe, expect, it } from "vitest";
import { parseDuration } from "./events.js";

describe("parseDuration (Go's time.ParseDuration forms)", () => {
  it.each([
    ["5s", 5000],
    ["250ms", 250],
    ["1m30s", 90_000],
    ["1.5h", 5_400_000],
    ["1500us", 1.5],
    ["2000000ns", 2],
    [".5s", 500],
    ["0", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "5", "5 s", "s", "1d", "5s ", "-5s", "1.2.3s"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow("for flag --interval");
  });
});
