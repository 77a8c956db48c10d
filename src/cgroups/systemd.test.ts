import { describe, expect, it } from "vitest";
import { MAX_UINT64 } from "./stats.js";
import { defaultDeviceRules } from "./devices.js";
import { parseGVariant } from "./gvariant.js";
import { annotationProperties, baseProperties, deviceProperties, expandSlice, rangeToBits, resourceProperties, systemdUnitOf } from "./systemd.js";

describe("systemdUnitOf (runc's names)", () => {
  it("makes <prefix>-<name>.scope in the slice, system.slice by default", () => {
    expect(systemdUnitOf("system.slice:runc:test1", "x")).toEqual({ unit: "runc-test1.scope", slice: "system.slice", cgroup: "/system.slice/runc-test1.scope" });
    expect(systemdUnitOf(":docker:abc", "x")).toEqual({ unit: "docker-abc.scope", slice: "system.slice", cgroup: "/system.slice/docker-abc.scope" });
    expect(systemdUnitOf(undefined, "c1")).toEqual({ unit: "runc-c1.scope", slice: "system.slice", cgroup: "/system.slice/runc-c1.scope" });
    expect(systemdUnitOf("kubepods-besteffort-pod1.slice:cri-containerd:abc", "x").cgroup).toBe(
      "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-abc.scope",
    );
  });

  it("defaults to user.slice in a rootless user's own systemd (runc), below that manager's cgroup", () => {
    expect(systemdUnitOf(undefined, "c1", "user.slice")).toEqual({ unit: "runc-c1.scope", slice: "user.slice", cgroup: "/user.slice/runc-c1.scope" });
    expect(systemdUnitOf("app.slice:libpod:abc", "x", "user.slice").slice).toBe("app.slice");
  });

  it("makes a slice when the name is one", () => {
    expect(systemdUnitOf("system.slice:x:my-pod.slice", "x")).toEqual({ unit: "my-pod.slice", slice: "system.slice", cgroup: "/my.slice/my-pod.slice" });
  });

  it("refuses other forms with runc's message", () => {
    expect(() => systemdUnitOf("/a/b", "x")).toThrow('expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/a/b" instead');
    expect(() => systemdUnitOf("bad:runc:x", "x")).toThrow("invalid slice name: bad");
    expect(() => systemdUnitOf("system.slice:runc:", "x")).toThrow(/not a valid unit name/);
  });
});

describe("expandSlice", () => {
  it("nests by dashes; -.slice is the root", () => {
    expect(expandSlice("a-b-c.slice")).toBe("/a.slice/a-b.slice/a-b-c.slice");
    expect(expandSlice("-.slice")).toBe("/");
    expect(() => expandSlice("a--b.slice")).toThrow("invalid slice name");
    expect(() => expandSlice("a/b.slice")).toThrow("invalid slice name");
  });
});

describe("resourceProperties (runc's genV2ResourcesProperties)", () => {
  it("converts limits, shares, quota and cpus", () => {
    const props = resourceProperties({ memory: { limit: 1024, reservation: 512, swap: 2048 }, pids: { limit: -1 }, cpu: { shares: 1024, quota: 33333, period: 100000, cpus: "0-2,9" } }, 252);
    expect(Object.fromEntries(props.map(([n, , v]) => [n, v]))).toEqual({
      MemoryMax: 1024n,
      MemoryLow: 512n,
      MemorySwapMax: 1024n, // memory+swap minus memory
      CPUWeight: 39n,
      CPUQuotaPeriodUSec: 100000n,
      CPUQuotaPerSecUSec: 340000n, // 333330 rounded up to 10 ms
      TasksMax: MAX_UINT64,
      AllowedCPUs: [0b111, 0b10],
    });
  });

  it("leaves out what an old systemd lacks, and maps unified keys", () => {
    const props = resourceProperties({ cpu: { period: 50000, cpus: "1" }, unified: { "memory.high": "4096", "pids.max": "max", "cpu.max": "max 20000", "io.max": "x" } }, 240);
    expect(props.map(([n, , v]) => [n, v])).toEqual([
      ["CPUQuotaPerSecUSec", MAX_UINT64],
      ["MemoryHigh", 4096n],
      ["TasksMax", MAX_UINT64],
      ["CPUQuotaPerSecUSec", MAX_UINT64],
    ]);
  });

  it("uses the v1 names on a v1 or hybrid host (runc's genV1ResourcesProperties)", () => {
    const props = resourceProperties({ memory: { limit: 1024, reservation: 512, swap: 2048 }, cpu: { shares: 512, quota: 50000 }, blockIO: { weight: 300 }, pids: { limit: 7 } }, 252, true);
    expect(Object.fromEntries(props.map(([n, , v]) => [n, v]))).toEqual({
      MemoryLimit: 1024n, // the reservation and swap have no v1 property: their files only
      CPUShares: 512n,
      CPUQuotaPerSecUSec: 500000n,
      TasksMax: 7n,
      BlockIOWeight: 300n,
    });
    expect(baseProperties({ unit: "runc-a.scope", slice: "system.slice" }, "a", 9, true).map(([n]) => n)).toContain("BlockIOAccounting");
    expect(baseProperties({ unit: "runc-a.scope", slice: "system.slice" }, "a", 9).map(([n]) => n)).toContain("IOAccounting");
  });

  it("names the field of a bad cpu list", () => {
    expect(() => rangeToBits("3-1", "linux.resources.cpu.cpus")).toThrow(/^linux\.resources\.cpu\.cpus: "3-1"/);
  });
});

describe("GVariant text (runc's annotation values)", () => {
  it("reads booleans, numbers typed or not, strings, arrays and tuples", () => {
    expect(parseGVariant("true")).toEqual({ signature: "b", value: true });
    expect(parseGVariant("42")).toEqual({ signature: "i", value: 42 });
    expect(parseGVariant("1.5")).toEqual({ signature: "d", value: 1.5 });
    expect(parseGVariant("uint64 123456789")).toEqual({ signature: "t", value: 123456789n });
    expect(parseGVariant("@t 18446744073709551615")).toEqual({ signature: "t", value: MAX_UINT64 });
    expect(parseGVariant("'inactive-or-failed'")).toEqual({ signature: "s", value: "inactive-or-failed" });
    expect(parseGVariant('"it\\"s"')).toEqual({ signature: "s", value: 'it"s' });
    expect(parseGVariant("['a', 'b']")).toEqual({ signature: "as", value: ["a", "b"] });
    expect(parseGVariant("@as []")).toEqual({ signature: "as", value: [] });
    expect(parseGVariant("[('/dev/null', 'rw')]")).toEqual({ signature: "a(ss)", value: [["/dev/null", "rw"]] });
    expect(parseGVariant("[uint32 1, 2]")).toEqual({ signature: "au", value: [1, 2] });
  });

  it("refuses what it cannot type or parse", () => {
    expect(() => parseGVariant("[]")).toThrow(/type of an empty array/);
    expect(() => parseGVariant("byte 256")).toThrow(/out of range/);
    expect(() => parseGVariant("'open")).toThrow(/unterminated/);
    expect(() => parseGVariant("1 2")).toThrow(/unexpected/);
    expect(() => parseGVariant("[1, 'a']")).toThrow(/string where i/);
  });
});

describe("annotationProperties (runc's org.systemd.property.*)", () => {
  it("makes a property of each, converting a documented Sec name to its USec property", () => {
    expect(
      annotationProperties({
        "org.systemd.property.TimeoutStopUSec": "uint64 123456789",
        "org.systemd.property.CollectMode": "'inactive-or-failed'",
        "org.systemd.property.RuntimeMaxSec": "2",
        "org.systemd.property.TimeoutStopSec": "1.5",
        "other.annotation": "ignored",
      }),
    ).toEqual([
      ["TimeoutStopUSec", "t", 123456789n],
      ["CollectMode", "s", "inactive-or-failed"],
      ["RuntimeMaxUSec", "t", 2000000n],
      ["TimeoutStopUSec", "t", 1500000n],
    ]);
  });

  it("refuses bad names and values with runc's messages", () => {
    expect(() => annotationProperties({ "org.systemd.property.Ab": "1" })).toThrow("annotation org.systemd.property.Ab name incorrect: too short");
    expect(() => annotationProperties({ "org.systemd.property.Cpu2": "1" })).toThrow("annotation org.systemd.property.Cpu2 name incorrect: contains non-alphabetic character");
    expect(() => annotationProperties({ "org.systemd.property.CollectMode": "inactive" })).toThrow(/^annotation org\.systemd\.property\.CollectMode=inactive value parse error: /);
    expect(() => annotationProperties({ "org.systemd.property.RuntimeMaxSec": "'2'" })).toThrow("annotation org.systemd.property.RuntimeMaxSec='2' value parse error: not a number");
  });
});

describe("deviceProperties (runc's DevicePolicy/DeviceAllow)", () => {
  it("turns a deny-all list with runc's defaults into an allow list in runc's order", () => {
    const [policy, allow] = deviceProperties([{ allow: false, access: "rwm" }, ...defaultDeviceRules()]);
    expect(policy).toEqual(["DevicePolicy", "s", "strict"]);
    const entries = allow![2] as [string, string][];
    // Wildcards first, then by major and minor; /dev/null is on every host; pts by group name.
    expect(entries.slice(0, 3)).toEqual([["block-*", "m"], ["char-*", "m"], ["/dev/char/1:3", "rwm"]]);
    expect(entries).toContainEqual(["char-pts", "rwm"]);
  });

  it("allows all with an empty list, and cannot say a deny exception (deny-all then, as runc)", () => {
    expect(deviceProperties([{ allow: true, access: "rwm" }])).toEqual([["DevicePolicy", "s", "auto"], ["DeviceAllow", "a(ss)", []]]);
    expect(deviceProperties([{ allow: true, access: "rwm" }, { allow: false, type: "c", major: 1, minor: 3, access: "w" }])).toEqual([["DevicePolicy", "s", "strict"], ["DeviceAllow", "a(ss)", []]]);
  });
});
