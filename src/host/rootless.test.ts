import { describe, expect, it } from "vitest";
import { outsideId } from "./rootless.js";

describe("outsideId (an id as the parent user namespace sees it)", () => {
  it("maps through the line that holds the id, else leaves it", () => {
    const podmans = "         0       1005          1\n         1     362144      65536\n";
    expect(outsideId(0, podmans)).toBe(1005);
    expect(outsideId(1, podmans)).toBe(362144);
    expect(outsideId(1000, podmans)).toBe(363143);
    expect(outsideId(1000, "0 0 4294967295\n")).toBe(1000);
    expect(outsideId(70000, podmans)).toBe(70000);
  });
});
