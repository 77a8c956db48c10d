import { describe, expect, it } from "vitest";
import { parseMemorySize, rejectRdtFlags, resourcesFromFlags, UPDATE_FLAGS } from "./update-flags.js";

const MiB = 1024 * 1024;

describe("parseMemorySize (docker's RAMInBytes)", () => {
  it.each([
    ["1024", 1024],
    ["512m", 512 * MiB],
    ["512M", 512 * MiB],
    ["1g", 1024 * MiB],
    ["1GiB", 1024 * MiB],
    ["2 MB", 2 * MiB],
    ["10k", 10240],
    ["100b", 100],
    ["1.5k", 1536],
    ["0.5m", MiB / 2],
    ["1t", 2 ** 40],
    ["-1", -1],
  ])("%s is %d bytes", (text, bytes) => {
    expect(parseMemorySize(text)).toBe(bytes);
  });

  it.each(["", "12x", "m", "-2", "1mb2", "1  m", "1kbb", "1mi", "1e3", "0x10"])("rejects %j and names the flag", (text) => {
    expect(() => parseMemorySize(text, "memory-swap")).toThrow(`invalid value for --memory-swap: invalid size: '${text}'`);
  });

  it("refuses sizes a JS number cannot hold exactly", () => {
    expect(() => parseMemorySize("100000p")).toThrow("too large");
  });
});

describe("resourcesFromFlags", () => {
  it("maps every flag to its LinuxResources field", () => {
    const { resources, warnings } = resourcesFromFlags({
      memory: "64m",
      "memory-swap": "-1",
      "memory-reservation": "1k",
      "cpu-share": "512",
      "cpu-quota": "-1",
      "cpu-period": "100000",
      "cpu-burst": "1000",
      "cpu-rt-runtime": "950",
      "cpu-rt-period": "1000",
      "cpu-idle": "1",
      "cpuset-cpus": "0-1",
      "cpuset-mems": "0",
      "pids-limit": "-1",
      "blkio-weight": "300",
    });
    expect(warnings).toEqual([]);
    expect(resources).toEqual({
      memory: { limit: 64 * MiB, swap: -1, reservation: 1024 },
      cpu: { shares: 512, quota: -1, period: 100000, burst: 1000, realtimeRuntime: 950, realtimePeriod: 1000, idle: 1, cpus: "0-1", mems: "0" },
      pids: { limit: -1 },
      blockIO: { weight: 300 },
    });
  });

  it("leaves out what was not given, and runc's zero-means-unset int flags", () => {
    expect(resourcesFromFlags({ root: "/run/skiff", id: "x", "pids-limit": "0", "blkio-weight": "0", "cpu-shares": "" }).resources).toEqual({});
    expect(resourcesFromFlags({ "cpu-shares": "2" }).resources).toEqual({ cpu: { shares: 2 } });
    expect(resourcesFromFlags({ "cpu-quota": "0" }).resources).toEqual({ cpu: { quota: 0 } });
  });

  it("rejects what runc's parsers reject", () => {
    expect(() => resourcesFromFlags({ "cpu-period": "-5" })).toThrow("invalid value for --cpu-period");
    expect(() => resourcesFromFlags({ "cpu-quota": "1.5" })).toThrow("invalid value for --cpu-quota");
    expect(() => resourcesFromFlags({ "pids-limit": "lots" })).toThrow("invalid value for --pids-limit");
    expect(() => resourcesFromFlags({ "cpu-share": "99999999999999999999" })).toThrow("invalid value for --cpu-share");
  });

  it("warns about the obsolete kernel memory flags and sets nothing for them", () => {
    const { resources, warnings } = resourcesFromFlags({ "kernel-memory": "10m", "kernel-memory-tcp": "1m" });
    expect(resources).toEqual({});
    expect(warnings).toEqual(["setting --kernel-memory is ignored: kernel memory limits are obsolete", "setting --kernel-memory-tcp is ignored: kernel memory limits are obsolete"]);
  });
});

describe("the update flag table", () => {
  it("has one entry per flag, each taking a string as runc's do", () => {
    const names = UPDATE_FLAGS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(UPDATE_FLAGS.every((f) => f.type === "string")).toBe(true);
    expect(names).toEqual(expect.arrayContaining(["resources", "memory", "cpu-share", "cpu-shares", "pids-limit", "kernel-memory", "l3-cache-schema", "mem-bw-schema"]));
  });

  it("refuses the Intel RDT flags with a message that says why", () => {
    expect(() => rejectRdtFlags({ "l3-cache-schema": "L3:0=ff" })).toThrow("Intel RDT/CAT: l3 cache schema is not enabled");
    expect(() => rejectRdtFlags({ "mem-bw-schema": "MB:0=50" })).toThrow("Intel RDT/MBA: memory bandwidth schema is not enabled");
    expect(() => rejectRdtFlags({ memory: "1g" })).not.toThrow();
  });
});
