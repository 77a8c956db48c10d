import { describe, expect, it } from "vitest";
import { emptyStats, eventJson, omitZero, parseBlkioV1, parseCounter, parseCpuList, parseFlatKeyed, parseIoStat } from "./stats.js";

describe("stats parsing", () => {
  it("reads counters exactly, with max as the largest uint64", () => {
    expect(parseCounter("9223372036854771712\n")).toBe(9223372036854771712n);
    expect(parseCounter("max\n")).toBe(18446744073709551615n);
    expect(parseCounter(undefined)).toBe(0n);
  });

  it("reads flat keyed files", () => {
    expect(parseFlatKeyed("usage_usec 10\nuser_usec 7\nsystem_usec 3\n")).toEqual({ usage_usec: 10n, user_usec: 7n, system_usec: 3n });
    expect(parseFlatKeyed("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n").oom_kill).toBe(2n);
  });

  it("expands cpu lists", () => {
    expect(parseCpuList("0-2,5\n")).toEqual([0, 1, 2, 5]);
    expect(parseCpuList("")).toEqual([]);
  });

  it("reads v1 blkio lines and skips the total", () => {
    expect(parseBlkioV1("254:0 Read 4096\n254:0 Write 0\nTotal 4096\n")).toEqual([
      { major: 254n, op: "Read", value: 4096n },
      { major: 254n, op: "Write" },
    ]);
  });

  it("turns io.stat into runc's v1-shaped lists", () => {
    const s = parseIoStat("8:16 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n");
    expect(s.ioServiceBytesRecursive).toEqual([
      { major: 8n, minor: 16n, op: "Read", value: 1n },
      { major: 8n, minor: 16n, op: "Write", value: 2n },
    ]);
    expect(s.ioServicedRecursive).toHaveLength(2);
    expect(parseIoStat("")).toEqual({});
  });
});

describe("runc's JSON", () => {
  it("omits empty omitempty fields but keeps the ones runc always prints", () => {
    expect(omitZero({ limit: 0n, usage: 0n, max: 5n, failcnt: 0n }, ["limit", "failcnt"])).toEqual({ limit: 0n, max: 5n, failcnt: 0n });
  });

  it("prints an empty stats event exactly like runc 1.1", () => {
    const line = eventJson("stats", "c1", emptyStats());
    expect(line).toBe(
      '{"type":"stats","id":"c1","data":{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},' +
        '"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
        '"memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0}},' +
        '"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}',
    );
    expect(eventJson("oom", "c1")).toBe('{"type":"oom","id":"c1"}');
  });

  it("keeps 64-bit limits exact", () => {
    const s = emptyStats();
    s.memory.usage.limit = 9223372036854771712n;
    expect(eventJson("stats", "x", s)).toContain('"limit":9223372036854771712');
  });
});
