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
    expect(netDeviceMoves(spec({ eth1: { name: "net%d" }, eth2: { name: "net%d" } }))).toHaveLength(2);
  });
});
