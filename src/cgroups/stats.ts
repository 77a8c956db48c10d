// The data of runc's `events --stats` and its parsers. Counters are bigint: memory limits such
// as 9223372036854771712 do not survive a JS number, and callers compare runc's output digit
// for digit. Keys that runc marks `omitempty` are left out when zero, so `eventJson` prints
// what runc prints.
import { SkiffError } from "../errors.js";
import { listDirThroughLibc } from "../linux/io.js";
import { readOptional } from "./files.js";

export interface CpuUsage {
  total?: bigint;
  percpu?: bigint[];
  percpu_kernel?: bigint[];
  percpu_user?: bigint[];
  kernel: bigint;
  user: bigint;
}
export interface Throttling {
  periods?: bigint;
  throttledPeriods?: bigint;
  throttledTime?: bigint;
}
export interface CpusetStats {
  cpus?: number[];
  cpu_exclusive: bigint;
  mems?: number[];
  mem_hardwall: bigint;
  mem_exclusive: bigint;
  memory_migrate: bigint;
  memory_spread_page: bigint;
  memory_spread_slab: bigint;
  memory_pressure: bigint;
  sched_load_balance: bigint;
  sched_relax_domain_level: bigint;
}
export interface MemoryEntry {
  limit: bigint;
  usage?: bigint;
  max?: bigint;
  failcnt: bigint;
}
export interface MemoryStats {
  cache?: bigint;
  usage: MemoryEntry;
  swap: MemoryEntry;
  kernel: MemoryEntry;
  kernelTCP: MemoryEntry;
  raw?: Record<string, bigint>;
}
export interface BlkioEntry {
  major?: bigint;
  minor?: bigint;
  op?: string;
  value?: bigint;
}
export interface BlkioStats {
  ioServiceBytesRecursive?: BlkioEntry[];
  ioServicedRecursive?: BlkioEntry[];
}
export interface HugetlbStats {
  usage?: bigint;
  max?: bigint;
  failcnt: bigint;
}
export interface CgroupStats {
  cpu: { usage: CpuUsage; throttling: Throttling };
  cpuset: CpusetStats;
  memory: MemoryStats;
  pids: { current?: bigint; limit?: bigint };
  blkio: BlkioStats;
  hugetlb: Record<string, HugetlbStats>;
  intel_rdt: Record<string, never>;
  network_interfaces: null;
}

export const MAX_UINT64 = 18446744073709551615n;

/** A counter file's value; "max" is the largest uint64 as runc reports it. */
export function parseCounter(text: string | undefined): bigint {
  if (text === undefined) return 0n;
  const t = text.trim();
  if (t === "") return 0n;
  if (t === "max") return MAX_UINT64;
  return BigInt(t);
}

/** "key value" lines (memory.stat, cpu.stat, memory.events) into a map. */
export function parseFlatKeyed(text: string | undefined): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  if (text === undefined) return out;
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?[0-9]+$/.test(v)) out[k] = BigInt(v);
  }
  return out;
}

/** Space-separated numbers (cpuacct.usage_percpu). */
export function parseNumberList(text: string | undefined): bigint[] {
  if (text === undefined) return [];
  return text.trim().split(/\s+/).filter((s) => s !== "").map((s) => BigInt(s));
}

/** A cpu/node list ("0-3,8") into its members. */
export function parseCpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? "").trim().split(",")) {
    if (part === "") continue;
    const [lo, hi] = part.split("-").map(Number);
    for (let i = lo!; i <= (hi ?? lo!); i++) out.push(i);
  }
  return out;
}

/** cgroup v1 blkio recursive files: "8:0 Read 4096" lines (the closing "Total N" is skipped). */
export function parseBlkioV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length === 3 && /^[0-9]+:[0-9]+$/.test(f[0]!)) {
      const [maj, min] = f[0]!.split(":");
      out.push(blkioEntry(BigInt(maj!), BigInt(min!), f[1]!, BigInt(f[2]!)));
    } else if (f.length === 2 && /^[0-9]+:[0-9]+$/.test(f[0]!)) {
      const [maj, min] = f[0]!.split(":");
      out.push(blkioEntry(BigInt(maj!), BigInt(min!), "", BigInt(f[1]!)));
    }
  }
  return out;
}

/** cgroup v2 io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...") as runc's v1-shaped lists. */
export function parseIoStat(text: string | undefined): BlkioStats {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    if (!dev || !/^[0-9]+:[0-9]+$/.test(dev)) continue;
    const [maj, min] = dev.split(":").map((s) => BigInt(s));
    const kv = Object.fromEntries(pairs.map((p) => p.split("=") as [string, string]));
    const add = (list: BlkioEntry[], key: string, op: string) => {
      if (kv[key] !== undefined) list.push(blkioEntry(maj!, min!, op, BigInt(kv[key]!)));
    };
    add(bytes, "rbytes", "Read");
    add(bytes, "wbytes", "Write");
    add(ios, "rios", "Read");
    add(ios, "wios", "Write");
  }
  return blkioStats(bytes, ios);
}

export function blkioStats(bytes: BlkioEntry[], ios: BlkioEntry[]): BlkioStats {
  const out: BlkioStats = {};
  if (bytes.length > 0) out.ioServiceBytesRecursive = bytes;
  if (ios.length > 0) out.ioServicedRecursive = ios;
  return out;
}

function blkioEntry(major: bigint, minor: bigint, op: string, value: bigint): BlkioEntry {
  return omitZero({ major, minor, op, value });
}

/**
 * Drops keys whose value is zero, an empty string/list or undefined (Go's omitempty), except
 * the `keep` keys, which runc always prints.
 */
export function omitZero<T extends object>(o: T, keep: readonly string[] = []): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const empty = v === 0n || v === "" || (Array.isArray(v) && v.length === 0);
    if (empty && !keep.includes(k)) continue;
    out[k] = v;
  }
  return out as T;
}

/** JSON text with bigints as exact integers (JSON.stringify rejects them). */
export function exactJson(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return "[" + value.map(exactJson).join(",") + "]";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) if (v !== undefined) parts.push(JSON.stringify(k) + ":" + exactJson(v));
  return "{" + parts.join(",") + "}";
}

/** One line of `events`: {"type":"stats","id":...,"data":{...}} or {"type":"oom","id":...}. */
export function eventJson(type: "stats" | "oom", id: string, data?: CgroupStats): string {
  return exactJson({ type, id, data });
}

/** The page sizes a hugetlb cgroup offers ("2MB", "1GB"), from its file names. */
export function listHugetlbSizes(dir: string, suffix: string): string[] {
  return listDirThroughLibc(dir).map((e) => e.name).filter((f) => f.startsWith("hugetlb.") && f.endsWith(suffix) && !f.includes(".rsvd.")).map((f) => f.slice("hugetlb.".length, -suffix.length));
}

export function emptyStats(): CgroupStats {
  const zeroCpuset: CpusetStats = {
    cpu_exclusive: 0n,
    mem_hardwall: 0n,
    mem_exclusive: 0n,
    memory_migrate: 0n,
    memory_spread_page: 0n,
    memory_spread_slab: 0n,
    memory_pressure: 0n,
    sched_load_balance: 0n,
    sched_relax_domain_level: 0n,
  };
  const entry = (): MemoryEntry => ({ limit: 0n, failcnt: 0n });
  return {
    cpu: { usage: { kernel: 0n, user: 0n }, throttling: {} },
    cpuset: zeroCpuset,
    memory: { usage: entry(), swap: entry(), kernel: entry(), kernelTCP: entry() },
    pids: {},
    blkio: {},
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** checkBeforeUpdate: refuse a limit below what the cgroup already uses. */
export function checkUsageBelow(dir: string, usageFile: string, peakFile: string, limit: number): void {
  const usage = parseCounter(readOptional(dir, usageFile));
  if (usage > BigInt(limit)) {
    const peak = parseCounter(readOptional(dir, peakFile));
    throw new SkiffError("InvalidConfig", `linux.resources.memory.limit: unable to set memory limit to ${limit} (current usage: ${usage}, peak usage: ${peak})`);
  }
}
