// cgroup v2: one directory in the unified tree. Controllers must be enabled in every ancestor's
// cgroup.subtree_control before their files appear in the container's directory, and the v1-
// shaped OCI values are converted as runc converts them.
import * as path from "../posix-path.js";
import { SkiffError } from "../errors.js";
import { log, trace } from "../log.js";
import type { BlockIO, CPU, LinuxResources, Memory, ThrottleDevice } from "../spec/types.js";
import { attachDeviceProgram } from "./device-program.js";
import { blkioWeightToIoWeight, checkPageSize, cpuMax, ioMaxLine, pidsMax, rdmaLine, sharesToWeight, v2Limit, v2SwapMax } from "./convert.js";
import { sleepSync } from "../linux/io.js";
import { exists, readOptional, writeCgroupFile } from "./files.js";
import { directoriesBetween } from "./paths.js";
import {
  MAX_UINT64,
  checkUsageBelow,
  emptyStats,
  listHugetlbSizes,
  omitZero,
  parseCounter,
  parseCpuList,
  parseFlatKeyed,
  parseIoStat,
  type CgroupStats,
  type MemoryEntry,
} from "./stats.js";

const R = "linux.resources";
const debug = trace.extend("cgroups");
const nonZero = (v: number | undefined): v is number => v !== undefined && v !== 0;

/**
 * Controllers a new skiff container gets whenever its host offers them, so `events` has data.
 * Below the hierarchy's root its ancestors also pass on every controller they have (runc's and
 * crun's way: `passOnBelowRoot`), so that what the host gives the tree (cpuset on a systemd host)
 * reaches a nested cgroup manager inside the container. The root's own list is the host's to
 * set: skiff adds there only these and what a limit needs.
 */
export const BASELINE_CONTROLLERS = ["cpu", "io", "memory", "pids"];

/** The controllers a resources object needs, each with the field that asks for it (for errors). */
export function controllersFor(r: LinuxResources): Map<string, string> {
  const need = new Map<string, string>();
  const c = r.cpu;
  if (c && (nonZero(c.shares) || nonZero(c.quota) || nonZero(c.period) || c.burst !== undefined || c.idle !== undefined)) need.set("cpu", `${R}.cpu`);
  if (c?.cpus || c?.mems) need.set("cpuset", `${R}.cpu.${c.cpus ? "cpus" : "mems"}`);
  const m = r.memory;
  if (m && (nonZero(m.limit) || nonZero(m.swap) || nonZero(m.reservation))) need.set("memory", `${R}.memory`);
  if (nonZero(r.pids?.limit)) need.set("pids", `${R}.pids.limit`);
  const b = r.blockIO;
  if (b && (nonZero(b.weight) || (b.weightDevice?.length ?? 0) > 0 || throttleLists(b).some(([, l]) => l.length > 0))) need.set("io", `${R}.blockIO`);
  if ((r.hugepageLimits?.length ?? 0) > 0) need.set("hugetlb", `${R}.hugepageLimits`);
  if (Object.keys(r.rdma ?? {}).length > 0) need.set("rdma", `${R}.rdma`);
  for (const key of Object.keys(r.unified ?? {})) {
    const controller = key.split(".")[0]!;
    if (controller !== "cgroup" && !need.has(controller)) need.set(controller, `${R}.unified["${key}"]`);
  }
  return need;
}

function throttleLists(b: BlockIO): ["rbps" | "wbps" | "riops" | "wiops", ThrottleDevice[]][] {
  return [
    ["rbps", b.throttleReadBpsDevice ?? []],
    ["wbps", b.throttleWriteBpsDevice ?? []],
    ["riops", b.throttleReadIOPSDevice ?? []],
    ["wiops", b.throttleWriteIOPSDevice ?? []],
  ];
}

function words(text: string | undefined): string[] {
  return (text ?? "").trim().split(/\s+/).filter((w) => w !== "");
}

/**
 * Enables `wanted` controllers on the way from the hierarchy root down to `dir`'s parent, and
 * with `passOnBelowRoot` every controller each ancestor below the root offers.
 * `required` controllers that an ancestor does not offer are an error naming the field that asked;
 * the others (the baseline) are simply skipped.
 */
export function enableControllers(mountpoint: string, dir: string, wanted: Iterable<string>, required: Map<string, string>, opts: { passOnBelowRoot?: boolean } = {}): void {
  const asked = [...wanted]; // read once per ancestor: an iterator would be spent on the first
  const ancestors = [mountpoint, ...directoriesBetween(mountpoint, dir)].slice(0, -1);
  for (const ancestor of ancestors) {
    const available = new Set(words(readOptional(ancestor, "cgroup.controllers")));
    const enabled = new Set(words(readOptional(ancestor, "cgroup.subtree_control")));
    const controllers = opts.passOnBelowRoot && ancestor !== mountpoint ? [...new Set([...asked, ...available])] : asked;
    // A cgroup that holds processes (the caller's own service or scope, say) is never written,
    // unless it is the real root (the only one without cgroup.type), which may mix both: the
    // kernel refuses domain controllers there, and takes threaded ones (cpu, pids) only by
    // turning it "domain threaded", which breaks every domain cgroup under it.
    const populated = exists(ancestor, "cgroup.type") && words(readOptional(ancestor, "cgroup.procs")).length > 0;
    for (const c of controllers) {
      if (enabled.has(c)) continue;
      const field = required.get(c);
      if (!available.has(c)) {
        if (field === undefined) continue;
        throw new SkiffError("InvalidConfig", `${field}: the ${c} cgroup controller is not available on this host (not in ${path.join(ancestor, "cgroup.controllers")})`);
      }
      if (populated) {
        if (field === undefined) continue;
        throw new SkiffError(
          "InvalidConfig",
          `${field}: the ${c} controller is not enabled in ${ancestor}, which holds processes of its own (cgroup v2 gives controllers only to the children of cgroups without processes): choose a linux.cgroupsPath outside it`,
        );
      }
      try {
        writeCgroupFile(ancestor, "cgroup.subtree_control", `+${c}`, field ?? `enabling the ${c} controller`);
      } catch (e) {
        // A baseline controller is a convenience: an ancestor that will not take it (one we may
        // not write, say) leaves it off rather than failing.
        if (field === undefined) {
          debug("not enabling %s in %s: %s", c, ancestor, (e as Error).message);
          continue;
        }
        throw e;
      }
    }
  }
}

/**
 * Applies `r` to the cgroup at `dir` in the tree mounted at `mountpoint`: first the checks that
 * need no file, then the controllers the values need, then the writes.
 */
export function setV2(mountpoint: string, dir: string, r: LinuxResources): void {
  refuseUnsupported(r);
  const needed = controllersFor(r);
  enableControllers(mountpoint, dir, needed.keys(), needed);
  if (r.memory) setMemory(dir, r.memory);
  if (r.cpu) setCpu(dir, r.cpu);
  const limit = pidsMax(r.pids?.limit);
  if (limit !== undefined) writeCgroupFile(dir, "pids.max", limit, `${R}.pids.limit`);
  if (r.blockIO) setIo(dir, r.blockIO);
  r.hugepageLimits?.forEach((h, i) => {
    const field = `${R}.hugepageLimits[${i}]`;
    const file = `hugetlb.${checkPageSize(h.pageSize, field)}.max`;
    if (!exists(dir, file)) throw new SkiffError("InvalidConfig", `${field}: huge page size ${h.pageSize} is not supported by this host (no ${file})`);
    writeCgroupFile(dir, file, String(h.limit), field);
    // The reservation limit too (Linux 5.7+), as current runc does: pages reserved by mmap
    // count at mmap time, where .max only catches them at fault time.
    const rsvd = file.replace(/\.max$/, ".rsvd.max");
    if (exists(dir, rsvd)) writeCgroupFile(dir, rsvd, String(h.limit), field);
  });
  for (const [device, lim] of Object.entries(r.rdma ?? {})) writeCgroupFile(dir, "rdma.max", rdmaLine(device, lim), `${R}.rdma.${device}`);
  for (const [key, value] of Object.entries(r.unified ?? {})) setUnified(dir, key, value);
  if (r.devices) attachDeviceProgram(dir, r.devices, `${R}.devices`);
}

// What cgroup v2 cannot express, refused before anything is written.
function refuseUnsupported(r: LinuxResources): void {
  if (r.network && (r.network.classID !== undefined || (r.network.priorities?.length ?? 0) > 0)) {
    throw new SkiffError("InvalidConfig", `${R}.network: net_cls/net_prio do not exist in cgroup v2 (match on the cgroup path with eBPF or nftables instead)`);
  }
  if (r.cpu && (nonZero(r.cpu.realtimePeriod) || nonZero(r.cpu.realtimeRuntime))) {
    throw new SkiffError("InvalidConfig", `${R}.cpu.realtimePeriod/realtimeRuntime: cgroup v2 has no realtime CPU budget (cpu.rt_*)`);
  }
  if (r.memory) v2SwapMax(r.memory.limit, r.memory.swap);
  for (const key of Object.keys(r.unified ?? {})) {
    if (key.includes("/") || key.startsWith(".") || key === "") {
      throw new SkiffError("InvalidConfig", `${R}.unified["${key}"]: a unified key must be a file name of the container's cgroup`);
    }
  }
}

function setMemory(dir: string, m: Memory): void {
  // cgroup v2 has no such knobs; runc ignores them there too.
  if (nonZero(m.kernel) || nonZero(m.kernelTCP)) log("warning", `${R}.memory.kernel/kernelTCP are ignored: cgroup v2 accounts kernel memory within memory.max`);
  if (m.swappiness !== undefined) log("warning", `${R}.memory.swappiness is ignored: cgroup v2 has no per-cgroup swappiness`);
  if (m.disableOOMKiller) log("warning", `${R}.memory.disableOOMKiller is ignored: cgroup v2 cannot disable the OOM killer`);
  const swap = v2SwapMax(m.limit, m.swap);
  const max = v2Limit(m.limit);
  if (m.checkBeforeUpdate && nonZero(m.limit) && m.limit > 0) checkUsageBelow(dir, "memory.current", "memory.peak", m.limit);
  if (swap !== undefined) {
    if (exists(dir, "memory.swap.max")) writeCgroupFile(dir, "memory.swap.max", swap, `${R}.memory.swap`);
    else if (swap !== "max") throw new SkiffError("InvalidConfig", `${R}.memory.swap: swap accounting is not enabled in this kernel (no memory.swap.max)`);
  }
  if (max !== undefined) writeCgroupFile(dir, "memory.max", max, `${R}.memory.limit`);
  const low = v2Limit(m.reservation);
  if (low !== undefined) writeCgroupFile(dir, "memory.low", low, `${R}.memory.reservation`);
}

function setCpu(dir: string, c: CPU): void {
  // The kernel refuses cpu.weight (EINVAL) while the group is idle: leave idle before the weight
  // is written, enter it after (the weight is kept for when it leaves).
  const idle = () => writeCgroupFile(dir, "cpu.idle", String(c.idle), `${R}.cpu.idle`);
  if (c.idle === 0) idle();
  const weight = sharesToWeight(c.shares ?? 0);
  if (weight !== 0) writeCgroupFile(dir, "cpu.weight", String(weight), `${R}.cpu.shares`);
  if (c.idle !== undefined && c.idle !== 0) idle();
  const max = cpuMax(c.quota, c.period);
  if (max !== undefined) writeCgroupFile(dir, "cpu.max", max, `${R}.cpu.quota`);
  if (c.burst !== undefined) writeCgroupFile(dir, "cpu.max.burst", String(c.burst), `${R}.cpu.burst`);
  if (c.cpus) writeCgroupFile(dir, "cpuset.cpus", c.cpus, `${R}.cpu.cpus`);
  if (c.mems) writeCgroupFile(dir, "cpuset.mems", c.mems, `${R}.cpu.mems`);
}

function setIo(dir: string, b: BlockIO): void {
  // BFQ's io.bfq.weight takes blkio's 1..1000 scale as is; io.weight needs the conversion.
  const bfq = exists(dir, "io.bfq.weight");
  if (nonZero(b.weight)) {
    if (bfq) writeCgroupFile(dir, "io.bfq.weight", String(b.weight), `${R}.blockIO.weight`);
    else writeCgroupFile(dir, "io.weight", `default ${blkioWeightToIoWeight(b.weight)}`, `${R}.blockIO.weight`);
  }
  if (nonZero(b.leafWeight)) log("warning", `${R}.blockIO.leafWeight is ignored: cgroup v2 has no leaf weights`);
  b.weightDevice?.forEach((d, i) => {
    const field = `${R}.blockIO.weightDevice[${i}]`;
    if (!nonZero(d.weight)) return;
    if (!bfq) throw new SkiffError("InvalidConfig", `${field}: per-device weights on cgroup v2 need the BFQ I/O scheduler (no io.bfq.weight)`);
    writeCgroupFile(dir, "io.bfq.weight", `${d.major}:${d.minor} ${d.weight}`, field);
  });
  const names = { rbps: "throttleReadBpsDevice", wbps: "throttleWriteBpsDevice", riops: "throttleReadIOPSDevice", wiops: "throttleWriteIOPSDevice" };
  for (const [key, list] of throttleLists(b)) {
    list.forEach((d, i) => writeCgroupFile(dir, "io.max", ioMaxLine(key, d), `${R}.blockIO.${names[key]}[${i}]`));
  }
}

/** A raw `unified` key: a file name in the container's own cgroup (checked by refuseUnsupported). */
function setUnified(dir: string, key: string, value: string): void {
  const field = `${R}.unified["${key}"]`;
  try {
    writeCgroupFile(dir, key, value, field);
  } catch (e) {
    if (e instanceof SkiffError && e.errno === 2) {
      const controller = key.split(".")[0]!;
      const available = words(readOptional(dir, "cgroup.controllers"));
      const why = controller !== "cgroup" && !available.includes(controller) ? `the ${controller} controller is not enabled for this cgroup` : "no such cgroup file";
      throw new SkiffError("InvalidConfig", `${field}: ${why}`);
    }
    throw e;
  }
}

export function freezeV2(dir: string, frozen: boolean): void {
  writeCgroupFile(dir, "cgroup.freeze", frozen ? "1" : "0", frozen ? "pause" : "resume");
  const want = frozen ? 1n : 0n;
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (parseFlatKeyed(readOptional(dir, "cgroup.events")).frozen === want) return;
    sleepSync(2);
  }
  throw new SkiffError("Internal", `${frozen ? "freezing" : "thawing"} ${dir}: cgroup.events did not report frozen ${want}`);
}

export function statsV2(dir: string): CgroupStats {
  const stats = emptyStats();
  const cpu = parseFlatKeyed(readOptional(dir, "cpu.stat"));
  const us = (v: bigint | undefined) => (v ?? 0n) * 1000n;
  stats.cpu.usage = omitZero({ total: us(cpu.usage_usec), kernel: us(cpu.system_usec), user: us(cpu.user_usec) }, ["kernel", "user"]);
  stats.cpu.throttling = omitZero({ periods: cpu.nr_periods, throttledPeriods: cpu.nr_throttled, throttledTime: us(cpu.throttled_usec) });
  const cpus = parseCpuList(readOptional(dir, "cpuset.cpus.effective"));
  const mems = parseCpuList(readOptional(dir, "cpuset.mems.effective"));
  if (cpus.length) stats.cpuset = { cpus, ...stats.cpuset };
  if (mems.length) stats.cpuset.mems = mems;
  if (exists(dir, "memory.current")) stats.memory = memoryV2(dir);
  const pidsCurrent = readOptional(dir, "pids.current");
  if (pidsCurrent !== undefined) {
    const limit = parseCounter(readOptional(dir, "pids.max"));
    stats.pids = omitZero({ current: parseCounter(pidsCurrent), limit: limit === MAX_UINT64 ? 0n : limit });
  }
  stats.blkio = parseIoStat(readOptional(dir, "io.stat"));
  for (const size of listHugetlbSizes(dir, ".max")) {
    const read = (suffix: string) => readOptional(dir, `hugetlb.${size}.${suffix}`);
    stats.hugetlb[size] = omitZero({ usage: parseCounter(read("current")), max: parseCounter(read("max")), failcnt: parseFlatKeyed(read("events")).max ?? 0n }, ["failcnt"]);
  }
  return stats;
}

// runc reports v2 memory in v1's shape: "swap" is memory+swap, like memsw.
function memoryV2(dir: string): CgroupStats["memory"] {
  const raw = parseFlatKeyed(readOptional(dir, "memory.stat"));
  const events = parseFlatKeyed(readOptional(dir, "memory.events"));
  const usage: MemoryEntry = omitZero(
    { limit: parseCounter(readOptional(dir, "memory.max")), usage: parseCounter(readOptional(dir, "memory.current")), max: parseCounter(readOptional(dir, "memory.peak")), failcnt: events.max ?? 0n },
    ["limit", "failcnt"],
  );
  const swapLimit = parseCounter(readOptional(dir, "memory.swap.max"));
  const swapUsage = parseCounter(readOptional(dir, "memory.swap.current"));
  const swap: MemoryEntry = omitZero(
    {
      limit: swapLimit === MAX_UINT64 || usage.limit === MAX_UINT64 ? MAX_UINT64 : swapLimit + usage.limit,
      usage: swapUsage + (usage.usage ?? 0n),
      failcnt: parseFlatKeyed(readOptional(dir, "memory.swap.events")).max ?? 0n,
    },
    ["limit", "failcnt"],
  );
  const zero = (): MemoryEntry => ({ limit: 0n, failcnt: 0n });
  const out: CgroupStats["memory"] = omitZero({ cache: raw.file ?? 0n, usage, swap, kernel: zero(), kernelTCP: zero() });
  if (Object.keys(raw).length > 0) out.raw = raw;
  return out;
}

export function oomKillsV2(dir: string): number {
  return Number(parseFlatKeyed(readOptional(dir, "memory.events")).oom_kill ?? 0n);
}
