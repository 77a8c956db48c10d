import { describe, expect, it } from "vitest";
import { personalityValue } from "./personality.js";

describe("personalityValue", () => {
  it("maps the two domains and leaves an absent personality alone", () => {
    expect(personalityValue({ domain: "LINUX" })).toBe(0);
    expect(personalityValue({ domain: "LINUX32", flags: [] })).toBe(8);
    expect(personalityValue(undefined)).toBeUndefined();
  });
});
