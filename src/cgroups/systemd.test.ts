import { describe, expect, it } from "vitest";
import { MAX_UINT64 } from "./stats.js";
import { expandSlice, rangeToBits, resourceProperties, systemdUnitOf } from "./systemd.js";

describe("systemdUnitOf (runc's names)", () => {
  it("makes <prefix>-<name>.scope in the slice, system.slice by default", () => {
    expect(systemdUnitOf("system.slice:runc:test1", "x")).toEqual({ unit: "runc-test1.scope", slice: "system.slice", cgroup: "/system.slice/runc-test1.scope" });
    expect(systemdUnitOf(":docker:abc", "x")).toEqual({ unit: "docker-abc.scope", slice: "system.slice", cgroup: "/system.slice/docker-abc.scope" });
    expect(systemdUnitOf(undefined, "c1")).toEqual({ unit: "runc-c1.scope", slice: "system.slice", cgroup: "/system.slice/runc-c1.scope" });
    expect(systemdUnitOf("kubepods-besteffort-pod1.slice:cri-containerd:abc", "x").cgroup).toBe(
      "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-abc.scope",
    );
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

  it("names the field of a bad cpu list", () => {
    expect(() => rangeToBits("3-1", "linux.resources.cpu.cpus")).toThrow(/^linux\.resources\.cpu\.cpus: "3-1"/);
  });
});
