import * as os from "node:os";
import { describe, expect, it } from "vitest";
import { parseSignal, SIGNALS } from "./signals.js";

it("knows the host's signal numbers, as node:os does", () => {
  expect(SIGNALS).toEqual(os.constants.signals);
});

describe("parseSignal", () => {
  it.each([
    [undefined, 15],
    ["KILL", 9],
    ["SIGKILL", 9],
    ["kill", 9],
    ["9", 9],
    [15, 15],
    ["TERM", 15],
    ["USR1", 10],
    ["SIGRTMIN", 34],
    ["RTMIN+2", 36],
    ["SIGRTMAX", 64],
    ["RTMAX-1", 63],
    ["0", 0], // a probe: runc passes any number on
  ])("%s → %d", (arg, n) => expect(parseSignal(arg)).toBe(n));

  it.each(["FOO", "SIGFOO", "65", "-1", "1.5"])("rejects %s", (arg) => {
    expect(() => parseSignal(arg)).toThrow(/signal/);
  });
});
