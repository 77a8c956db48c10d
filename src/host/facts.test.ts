import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { capabilityField, hasResctrl, hostFacts } from "./facts.js";
import { HOSTS } from "./fixtures.testing.js";

describe("capabilityField", () => {
  it("parses a capability line of a status text", () => {
    expect(capabilityField("Name:\tx\nCapInh:\t0000000000000000\nCapBnd:\t000001fffeffffff\n", "CapBnd")).toBe(0x1fffeffffffn);
    expect(() => capabilityField("Name:\tx\n", "CapBnd")).toThrow("/proc/self/status has no CapBnd line");
  });
});

describe("hasResctrl", () => {
  it("finds a resctrl mount in mountinfo", () => {
    expect(hasResctrl(HOSTS.v2.mountinfo)).toBe(true);
    expect(hasResctrl(HOSTS.hybrid.mountinfo)).toBe(false);
  });
});

describe("hostFacts", () => {
  it("is this process's view, read once per command", () => {
    const facts = hostFacts();
    expect(hostFacts()).toBe(facts);
    const status = fs.readFileSync("/proc/self/status", "utf8");
    expect(facts.capabilities.bounding).toBe(capabilityField(status, "CapBnd"));
    expect(facts.capabilities.lastCap).toBe(Number(fs.readFileSync("/proc/sys/kernel/cap_last_cap", "utf8")));
    expect(facts.limits).toHaveLength(16);
    expect(facts.euid).toBe(process.geteuid!());
    expect(facts.mountinfo).toContain(" / / ");
  });
});
