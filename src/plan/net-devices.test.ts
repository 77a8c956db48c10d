import { describe, expect, it } from "vitest";
import type { Spec } from "../spec/types.js";
import { netDeviceMoves } from "./net-devices.js";

const spec = (netDevices: Record<string, { name?: string }>, network = true): Spec => ({
  ociVersion: "1.2.0",
  linux: { namespaces: network ? [{ type: "network" }] : [], netDevices },
});

describe("netDevices", () => {
  it("keeps the host name unless a name is given", () => {
    expect(netDeviceMoves(spec({ eth1: {}, eth2: { name: "uplink" } }))).toEqual([
      ["eth1", "eth1"],
      ["eth2", "uplink"],
    ]);
    expect(netDeviceMoves(spec({}, false))).toEqual([]);
  });

  it("refuses names the kernel would, two devices under one name, and no network namespace", () => {
    expect(() => netDeviceMoves(spec({ eth1: { name: "a-very-long-name0" } }))).toThrow('linux.netDevices.eth1.name: "a-very-long-name0" is not a valid interface name');
    expect(() => netDeviceMoves(spec({ eth1: { name: "x/y" } }))).toThrow("is not a valid interface name");
    expect(() => netDeviceMoves(spec({ eth1: { name: "net0" }, eth2: { name: "net0" } }))).toThrow("linux.netDevices.eth2.name: net0 is already the name of another device");
    expect(netDeviceMoves(spec({ eth1: { name: "net%d" }, eth2: { name: "net%d" } }))).toHaveLength(2);
    expect(() => netDeviceMoves(spec({ eth1: {} }, false))).toThrow("linux.netDevices: needs a network namespace");
  });
});
