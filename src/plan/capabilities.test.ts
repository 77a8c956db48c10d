import { describe, expect, it } from "vitest";
import { HOSTS } from "../host/fixtures.testing.js";
import { availableCapabilities, capabilityNames, capabilitySets, grantableCapabilities, grantedCapabilities } from "./capabilities.js";

const CHOWN = 1n << 0n, KILL = 1n << 5n, NET_BIND = 1n << 10n, SYS_RESOURCE = 1n << 24n, AUDIT_WRITE = 1n << 29n;

describe("capabilitySets", () => {
  it("turns the spec example into masks by capability number", () => {
    const sets = capabilitySets({
      bounding: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      permitted: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      inheritable: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      effective: ["CAP_AUDIT_WRITE", "CAP_KILL"],
      ambient: ["CAP_NET_BIND_SERVICE"],
    });
    expect(sets).toEqual({
      bounding: AUDIT_WRITE | KILL | NET_BIND,
      permitted: AUDIT_WRITE | KILL | NET_BIND,
      inheritable: AUDIT_WRITE | KILL | NET_BIND,
      effective: AUDIT_WRITE | KILL,
      ambient: NET_BIND,
    });
  });

  it("gives empty sets when capabilities or a set are absent, and the top bit for CAP_CHECKPOINT_RESTORE", () => {
    expect(capabilitySets()).toEqual({ bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n });
    expect(capabilitySets({ bounding: ["CAP_CHECKPOINT_RESTORE", "CAP_CHOWN", "CAP_CHOWN"] })).toMatchObject({ bounding: (1n << 40n) | CHOWN, effective: 0n });
  });

  it("names the bits of a mask", () => {
    expect(capabilityNames(KILL | SYS_RESOURCE)).toEqual(["CAP_KILL", "CAP_SYS_RESOURCE"]);
  });
});

describe("grantableCapabilities", () => {
  it("keeps everything the host can give", () => {
    const sets = capabilitySets({ bounding: ["CAP_KILL"], permitted: ["CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"] });
    expect(grantableCapabilities(sets, KILL | CHOWN)).toEqual({ sets, warnings: [] });
  });

  it("leaves out what the host's bounding set lacks, with a warning per set", () => {
    const sets = capabilitySets({ bounding: ["CAP_KILL", "CAP_SYS_RESOURCE"], effective: ["CAP_SYS_RESOURCE"], permitted: ["CAP_KILL", "CAP_SYS_RESOURCE"] });
    expect(grantableCapabilities(sets, ~SYS_RESOURCE & ((1n << 41n) - 1n))).toEqual({
      sets: { bounding: KILL, effective: 0n, permitted: KILL, inheritable: 0n, ambient: 0n },
      warnings: [
        "process.capabilities.bounding: CAP_SYS_RESOURCE cannot be granted (not in the runtime's bounding set or unknown to this kernel); not granted",
        "process.capabilities.effective: CAP_SYS_RESOURCE cannot be granted (not in the runtime's bounding set or unknown to this kernel); not granted",
        "process.capabilities.permitted: CAP_SYS_RESOURCE cannot be granted (not in the runtime's bounding set or unknown to this kernel); not granted",
      ],
    });
  });

  it("drops effective capabilities that are not permitted", () => {
    const sets = capabilitySets({ effective: ["CAP_KILL", "CAP_CHOWN"], permitted: ["CAP_KILL"] });
    const { sets: granted, warnings } = grantableCapabilities(sets, KILL | CHOWN);
    expect(granted.effective).toBe(KILL);
    expect(warnings).toEqual(["process.capabilities.effective: CAP_CHOWN must also be permitted; not granted"]);
  });

  it("drops ambient capabilities that are not both permitted and inheritable", () => {
    const sets = capabilitySets({ permitted: ["CAP_KILL", "CAP_CHOWN"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL", "CAP_CHOWN"] });
    const { sets: granted, warnings } = grantableCapabilities(sets, KILL | CHOWN);
    expect(granted.ambient).toBe(KILL);
    expect(warnings).toEqual(["process.capabilities.ambient: CAP_CHOWN must also be permitted and inheritable; not granted"]);
  });
});

describe("grantedCapabilities", () => {
  const caps = { bounding: ["CAP_SYS_RESOURCE", "CAP_KILL"], permitted: ["CAP_KILL"] };

  it.each(["v1", "hybrid", "v2"] as const)("inside a user namespace every capability the kernel knows can be held (%s host)", (kind) => {
    expect(grantedCapabilities(caps, true, HOSTS[kind].capabilities)).toEqual({ sets: capabilitySets(caps), warnings: [] });
  });

  it("without one, only the runtime's bounding set: CAP_SYS_RESOURCE is left out where the runtime lacks it", () => {
    expect(grantedCapabilities(caps, false, HOSTS.hybrid.capabilities).sets.bounding).toBe(KILL);
    expect(grantedCapabilities(caps, false, HOSTS.v2.capabilities).sets.bounding).toBe(SYS_RESOURCE | KILL);
  });
});

describe("availableCapabilities", () => {
  it("is the bounding set, or every capability up to cap_last_cap in a user namespace", () => {
    const host = { bounding: 0x1fffeffffffn, effective: 0n, lastCap: 40 };
    expect(availableCapabilities(false, host)).toBe(0x1fffeffffffn);
    expect(availableCapabilities(true, host)).toBe((1n << 41n) - 1n);
    expect(availableCapabilities(true, { ...host, lastCap: 37 })).toBe((1n << 38n) - 1n);
  });
});
