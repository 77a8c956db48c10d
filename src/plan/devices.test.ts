import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { Device, Spec } from "../spec/types.js";
import { DEFAULT_DEVICES, deviceNodes, deviceNumber, mknodMode } from "./devices.js";

const spec = (devices?: Device[]): Spec => ({ ociVersion: "1.3.0", linux: { devices } });

describe("deviceNodes", () => {
  it("supplies the six default devices when none are configured", () => {
    expect(deviceNodes({ ociVersion: "1.3.0" })).toEqual(DEFAULT_DEVICES);
    expect(DEFAULT_DEVICES.map((d) => `${d.path} ${d.major}:${d.minor} ${d.mode.toString(8)}`)).toEqual([
      "/dev/null 1:3 666",
      "/dev/zero 1:5 666",
      "/dev/full 1:7 666",
      "/dev/random 1:8 666",
      "/dev/urandom 1:9 666",
      "/dev/tty 5:0 666",
    ]);
  });

  it("appends configured devices with the spec example's decimal modes and owners", () => {
    const nodes = deviceNodes(
      spec([
        { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 },
        { path: "/dev/sda", type: "b", major: 8, minor: 0, fileMode: 432, uid: 1000, gid: 6 },
        { path: "/srv/pipe", type: "p" },
        { path: "/dev/ttyX", type: "u", major: 4, minor: 70 },
      ]),
    );
    expect(nodes.slice(6)).toEqual([
      { path: "/dev/fuse", type: "c", major: 10, minor: 229, mode: 0o666, uid: 0, gid: 0 },
      { path: "/dev/sda", type: "b", major: 8, minor: 0, mode: 0o660, uid: 1000, gid: 6 },
      { path: "/srv/pipe", type: "p", major: 0, minor: 0, mode: 0o666, uid: 0, gid: 0 },
      { path: "/dev/ttyX", type: "c", major: 4, minor: 70, mode: 0o666, uid: 0, gid: 0 },
    ]);
  });

  it("lets a configured device replace the default of the same path", () => {
    const nodes = deviceNodes(spec([{ path: "/dev//null", type: "c", major: 1, minor: 3, fileMode: 0o600, uid: 5 }]));
    expect(nodes.filter((n) => n.path === "/dev/null")).toEqual([{ path: "/dev/null", type: "c", major: 1, minor: 3, mode: 0o600, uid: 5, gid: 0 }]);
    expect(nodes).toHaveLength(6);
  });

  it("strips file type bits from fileMode", () => {
    expect(deviceNodes(spec([{ path: "/dev/x", type: "c", major: 1, minor: 1, fileMode: 0o020644 }]))[6].mode).toBe(0o644);
  });
});

describe("mknod arguments", () => {
  it("encodes device numbers as the kernel does (checked against this host's nodes)", () => {
    expect(deviceNumber(1, 3)).toBe(fs.statSync("/dev/null").rdev);
    expect(deviceNumber(5, 0)).toBe(fs.statSync("/dev/tty").rdev);
    expect(deviceNumber(0xfff, 0xfffff)).toBe(0xffffffff);
    expect(deviceNumber(259, 0x12345)).toBe(0x12310345);
  });

  it("adds the file type to the mode", () => {
    const [fifo, chr, blk] = deviceNodes(spec([{ path: "/p", type: "p" }, { path: "/c", type: "u", major: 1, minor: 1 }, { path: "/b", type: "b", major: 8, minor: 0, fileMode: 0o600 }])).slice(6);
    expect([mknodMode(fifo), mknodMode(chr), mknodMode(blk)]).toEqual([0o010666, 0o020666, 0o060600]);
  });
});
