import { describe, expect, it } from "vitest";
import { blkioWeightToIoWeight, cpuMax, ioMaxLine, rdmaLine, sharesToWeight, v2Limit, v2SwapMax } from "./convert.js";
import { mergeResources } from "./fs-manager.js";
import { controllersFor } from "./v2.js";

describe("v1 → v2 conversions (runc's)", () => {
  it("maps cpu shares onto cpu.weight's range", () => {
    expect(sharesToWeight(0)).toBe(0);
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
  });

  it("maps blkio weight onto io.weight's range", () => {
    expect(blkioWeightToIoWeight(0)).toBe(0);
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(500)).toBe(4950);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
  });

  it("turns memory+swap into swap alone", () => {
    expect(v2SwapMax(100, 300)).toBe("200");
    expect(v2SwapMax(100, 100)).toBe("0");
    expect(v2SwapMax(100, -1)).toBe("max");
    expect(v2SwapMax(-1, undefined)).toBe("max");
    expect(v2SwapMax(100, undefined)).toBeUndefined();
    expect(() => v2SwapMax(undefined, 300)).toThrow(/needs a memory limit/);
    expect(() => v2SwapMax(300, 100)).toThrow(/must be >= memory.limit/);
  });

  it("writes limits, cpu.max and io.max in v2 syntax", () => {
    expect(v2Limit(-1)).toBe("max");
    expect(v2Limit(0)).toBeUndefined();
    expect(v2Limit(5)).toBe("5");
    expect(cpuMax(50000, 100000)).toBe("50000 100000");
    expect(cpuMax(-1, 100000)).toBe("max 100000");
    expect(cpuMax(undefined, 20000)).toBe("max 20000");
    expect(cpuMax(20000, undefined)).toBe("20000");
    expect(cpuMax(undefined, undefined)).toBeUndefined();
    expect(ioMaxLine("rbps", { major: 8, minor: 0, rate: 1024 })).toBe("8:0 rbps=1024");
    expect(ioMaxLine("wiops", { major: 8, minor: 0, rate: 0 })).toBe("8:0 wiops=max");
  });
});

describe("rdma lines", () => {
  it("writes rdma.max lines", () => {
    expect(rdmaLine("mlx4_0", { hcaHandles: 2, hcaObjects: 2000 })).toBe("mlx4_0 hca_handle=2 hca_object=2000");
  });
});

describe("mergeResources (update)", () => {
  it("changes only the fields given, replacing lists", () => {
    const base = { memory: { limit: 100, swap: 200 }, cpu: { shares: 512 }, hugepageLimits: [{ pageSize: "2MB", limit: 1 }] };
    expect(mergeResources(base, { memory: { limit: 150 }, hugepageLimits: [] })).toEqual({
      memory: { limit: 150, swap: 200 },
      cpu: { shares: 512 },
      hugepageLimits: [],
    });
    expect(base.memory.limit).toBe(100);
  });
});

describe("controllersFor (v2 subtree_control)", () => {
  it("asks only for the controllers the resources use", () => {
    const need = controllersFor({ memory: { limit: 1 }, cpu: { cpus: "0" }, unified: { "cgroup.max.depth": "2", "misc.max": "x 1" }, pids: { limit: 0 } });
    expect([...need.keys()].sort()).toEqual(["cpuset", "memory", "misc"]);
    expect(need.get("misc")).toBe('linux.resources.unified["misc.max"]');
  });
});
