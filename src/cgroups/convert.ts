// Value conversions between the OCI resources (shaped after cgroup v1) and the files' syntax,
// following runc 1.1 so a config behaves the same under skiff. Pure functions.
import { SkiffError } from "../errors.js";
import type { ThrottleDevice } from "../spec/types.js";

/** cpu.shares (2..262144) → cpu.weight (1..10000), runc's linear mapping; 0 = unset. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio.weight (10..1000) → io.weight (1..10000), runc's linear mapping; 0 = unset. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** A limit as cgroup v2 writes it: -1 → "max", 0 → undefined (leave the file alone). */
export function v2Limit(n: number | undefined): string | undefined {
  if (n === undefined || n === 0) return undefined;
  return n < 0 ? "max" : String(n);
}

/**
 * memory.swap.max from the OCI pair, whose `swap` is memory+swap (v1 memsw semantics):
 * v2 wants the swap alone, so swap - limit. Returns undefined when nothing is to be written.
 */
export function v2SwapMax(limit: number | undefined, swap: number | undefined): string | undefined {
  const mem = limit ?? 0;
  const memsw = swap ?? 0;
  if (mem === -1 && memsw === 0) return "max"; // unlimited memory: swap follows
  if (memsw === -1) return "max";
  if (memsw === 0) return undefined;
  if (mem === 0 || mem === -1) {
    throw new SkiffError("InvalidConfig", "linux.resources.memory.swap: a swap limit needs a memory limit (memory.limit is unset or -1)");
  }
  if (memsw < mem) {
    throw new SkiffError("InvalidConfig", `linux.resources.memory.swap (${memsw}) must be >= memory.limit (${mem}): it is memory+swap`);
  }
  return String(memsw - mem);
}

/** cpu.max: "<quota|max> [period]"; undefined when neither is set. */
export function cpuMax(quota: number | undefined, period: number | undefined): string | undefined {
  if (!quota && !period) return undefined;
  const q = quota !== undefined && quota > 0 ? String(quota) : "max";
  return period ? `${q} ${period}` : q;
}

/** pids.max: runc treats 0 as unset and any negative value as unlimited. */
export function pidsMax(limit: number | undefined): string | undefined {
  return v2Limit(limit);
}

/** io.max line for one throttled device; a rate of 0 lifts the limit. */
export function ioMaxLine(key: "rbps" | "wbps" | "riops" | "wiops", d: ThrottleDevice): string {
  return `${d.major}:${d.minor} ${key}=${d.rate === 0 ? "max" : d.rate}`;
}

/** A hugetlb page size as the spec writes it ("2MB", "1GB") must be a "<n><unit>B" token. */
export function checkPageSize(pageSize: string, field: string): string {
  if (!/^[0-9]+[KMG]B$/.test(pageSize)) {
    throw new SkiffError("InvalidConfig", `${field}: page size ${JSON.stringify(pageSize)} must look like "2MB" or "1GB"`);
  }
  return pageSize;
}

/** rdma.max line: "mlx4_0 hca_handle=2 hca_object=2000". */
export function rdmaLine(device: string, limit: { hcaHandles?: number; hcaObjects?: number }): string {
  const parts = [device];
  if (limit.hcaHandles !== undefined) parts.push(`hca_handle=${limit.hcaHandles}`);
  if (limit.hcaObjects !== undefined) parts.push(`hca_object=${limit.hcaObjects}`);
  return parts.join(" ");
}
