import { describe, expect, it } from "vitest";
import { personalityValue } from "./personality.js";

describe("personalityValue", () => {
  it("maps the two domains and leaves an absent personality alone", () => {
    expect(personalityValue({ domain: "LINUX" })).toBe(0);
    expect(personalityValue({ domain: "LINUX32", flags: [] })).toBe(8);
    expect(personalityValue(undefined)).toBeUndefined();
  });

  it.each([
    [{ domain: "LINUX64" }, 'linux.personality.domain: must be LINUX or LINUX32, got "LINUX64"'],
    [{ domain: "toString" }, 'linux.personality.domain: must be LINUX or LINUX32, got "toString"'],
    [{ domain: "LINUX", flags: ["ADDR_NO_RANDOMIZE"] }, 'linux.personality.flags[0]: unsupported flag "ADDR_NO_RANDOMIZE" (the spec defines none)'],
  ])("rejects %j", (p, message) => {
    expect(() => personalityValue(p)).toThrowError(expect.objectContaining({ kind: "InvalidConfig", message }));
  });
});
