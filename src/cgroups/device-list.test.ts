import { describe, expect, it } from "vitest";
import { deviceListOf, deviceTransition, parseDeviceList, type DeviceList } from "./device-list.js";
import { defaultDeviceRules } from "./devices.js";
import type { DeviceCgroupRule } from "../spec/types.js";

const lines = (from: DeviceList, to: DeviceList) => deviceTransition(from, to).map((t) => `${t.file} ${t.line}`);
const DENY_ALL: DeviceCgroupRule = { allow: false, access: "rwm" };

describe("runc's default device rules", () => {
  it("allow the standard devices, and none that linux.devices adds", () => {
    const rules = defaultDeviceRules([{ type: "c", path: "/dev/kmsg", major: 1, minor: 11 }]);
    const list = deviceListOf([DENY_ALL, ...rules], "r");
    expect(list.exceptions.get("c 1:3")).toBe(7);
    expect(list.exceptions.get("c 136:*")).toBe(7);
    expect(list.exceptions.has("c 1:11")).toBe(false);
  });

  it("drop the default rule of a device linux.devices lists again", () => {
    const rules = defaultDeviceRules([{ type: "c", path: "/dev/null", major: 1, minor: 3 }]);
    expect(rules.some((r) => r.major === 1 && r.minor === 3)).toBe(false);
    expect(rules.some((r) => r.major === 1 && r.minor === 5)).toBe(true);
  });
});

describe("cgroup v1 device lists", () => {
  it("model the OCI rules in order; letters other than r, w, m are ignored as by runc", () => {
    const list = deviceListOf([DENY_ALL, { allow: true, type: "c", major: 1, minor: 3, access: "rw" }, { allow: true, type: "c", major: 1, minor: 3, access: "m" }, { allow: false, type: "c", major: 1, minor: 11, access: "rwa" }], "r");
    expect(list).toEqual({ defaultAllow: false, exceptions: new Map([["c 1:3", 7]]) });
  });

  it("read devices.list: an allow-all cgroup, and exceptions", () => {
    expect(parseDeviceList("a *:* rwm\n").defaultAllow).toBe(true);
    expect(parseDeviceList("c 1:3 rwm\nc 136:* rw\n")).toEqual({ defaultAllow: false, exceptions: new Map([["c 1:3", 7], ["c 136:*", 3]]) });
  });

  it("change nothing when the cgroup already holds the wanted rules", () => {
    const wanted = deviceListOf([DENY_ALL, ...defaultDeviceRules()], "r");
    const current = parseDeviceList([...wanted.exceptions].map(([k, bits]) => `${k} ${"rwm".split("").filter((_, i) => bits & (1 << i)).join("")}`).join("\n"));
    expect(lines(current, wanted)).toEqual([]);
  });

  it("write only the differences, never a deny-all, between two deny-by-default lists", () => {
    const from = parseDeviceList("c 1:3 rwm\nc 1:5 rwm\n");
    const to = deviceListOf([DENY_ALL, { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 5, access: "r" }, { allow: true, type: "b", major: 8, minor: 0, access: "r" }], "r");
    expect(lines(from, to)).toEqual(["devices.deny c 1:5 wm", "devices.allow b 8:0 r"]);
  });

  it("reset with one disruptive rule when the default changes or the current list allows by default", () => {
    const to = deviceListOf([DENY_ALL, { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }], "r");
    expect(lines(parseDeviceList("a *:* rwm"), to)).toEqual(["devices.deny a *:* rwm", "devices.allow c 1:3 rwm"]);
    expect(lines(to, deviceListOf([{ allow: true, access: "rwm" }], "r"))).toEqual(["devices.allow a *:* rwm"]);
  });

  it("add exceptions in rule order, so devices.list lists them as configured", () => {
    const to = deviceListOf([DENY_ALL, { allow: true, type: "c", major: 10, minor: 229, access: "rwm" }, { allow: true, type: "b", major: 8, minor: 20, access: "rw" }, ...defaultDeviceRules()], "r");
    expect(lines(parseDeviceList("a *:* rwm"), to).slice(0, 3)).toEqual(["devices.deny a *:* rwm", "devices.allow c 10:229 rwm", "devices.allow b 8:20 rw"]);
  });

  it("refuse to take access out of a wildcard exception (cgroup v1 would ignore it)", () => {
    expect(() => deviceListOf([DENY_ALL, { allow: true, type: "c", access: "m" }, { allow: false, type: "c", major: 1, minor: 3, access: "m" }], "linux.resources.devices")).toThrow(
      "linux.resources.devices[2]: cgroup v1 cannot take m of c 1:3 out of the wider rule c *:* m",
    );
  });
});
