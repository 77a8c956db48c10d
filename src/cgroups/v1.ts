// cgroup v1: one directory per controller hierarchy. Writes every linux.resources field to its
// v1 file with runc's rules, and reads runc's stats back.
import { SkiffError } from "../errors.js";
import { log } from "../log.js";
import type { BlockIO, CPU, LinuxResources, Memory, ThrottleDevice } from "../spec/types.js";
import { checkPageSize, rdmaLine } from "./convert.js";
import { deviceListOf, deviceTransition, parseDeviceList, sameDeviceList } from "./device-list.js";
import { sleepSync } from "../linux/io.js";
import { exists, readCgroupFile, readOptional, writeCgroupFile } from "./files.js";
import {
  MAX_UINT64,
  blkioStats,
  omitZero,
  parseBlkioV1,
  parseCounter,
  parseCpuList,
  parseFlatKeyed,
  parseNumberList,
  checkUsageBelow,
  emptyStats,
  listHugetlbSizes,
  type CgroupStats,
  type CpusetStats,
  type MemoryEntry,
} from "./stats.js";

/** Controller name ("memory", "name=systemd") → the container's directory on that hierarchy. */
export type V1Paths = Record<string, string>;

const R = "linux.resources";

function dirFor(paths: V1Paths, controller: string, field: string): string {
  const dir = paths[controller];
  if (dir === undefined) {
    throw new SkiffError("InvalidConfig", `${field}: the ${controller} cgroup controller is not available on this host (no cgroup v1 ${controller} hierarchy is mounted)`);
  }
  return dir;
}

const set = (v: unknown) => v !== undefined;
const nonZero = (v: number | undefined): v is number => v !== undefined && v !== 0;

/** `created`: the directories skiff made; realtime budgets are passed down through them. */
export function setV1(paths: V1Paths, r: LinuxResources, created: string[] = []): void {
  if (r.unified && Object.keys(r.unified).length > 0) {
    throw new SkiffError("InvalidConfig", `${R}.unified: invalid configuration: raw cgroup v2 keys need a cgroup v2 (unified) host; this host's controllers are cgroup v1`);
  }
  if (r.cpu) setCpu(paths, r.cpu, created);
  if (r.memory) setMemory(paths, r.memory);
  if (r.pids?.limit !== undefined && r.pids.limit !== 0) {
    writeCgroupFile(dirFor(paths, "pids", `${R}.pids.limit`), "pids.max", r.pids.limit < 0 ? "max" : String(r.pids.limit), `${R}.pids.limit`);
  }
  if (r.blockIO) setBlkio(paths, r.blockIO);
  r.hugepageLimits?.forEach((h, i) => {
    const field = `${R}.hugepageLimits[${i}]`;
    const dir = dirFor(paths, "hugetlb", field);
    const file = `hugetlb.${checkPageSize(h.pageSize, field)}.limit_in_bytes`;
    if (!exists(dir, file)) throw new SkiffError("InvalidConfig", `${field}: huge page size ${h.pageSize} is not supported by this host (no ${file})`);
    writeCgroupFile(dir, file, String(h.limit), field);
  });
  if (r.network) {
    if (r.network.classID !== undefined) {
      writeCgroupFile(dirFor(paths, "net_cls", `${R}.network.classID`), "net_cls.classid", String(r.network.classID), `${R}.network.classID`);
    }
    for (const p of r.network.priorities ?? []) {
      const field = `${R}.network.priorities`;
      writeCgroupFile(dirFor(paths, "net_prio", field), "net_prio.ifpriomap", `${p.name} ${p.priority}`, field);
    }
  }
  for (const [device, limit] of Object.entries(r.rdma ?? {})) {
    const field = `${R}.rdma.${device}`;
    writeCgroupFile(dirFor(paths, "rdma", field), "rdma.max", rdmaLine(device, limit), field);
  }
  if (r.devices) setDevicesV1(dirFor(paths, "devices", `${R}.devices`), r.devices);
}

function setCpu(paths: V1Paths, c: CPU, created: string[]): void {
  const cpuWanted = nonZero(c.shares) || nonZero(c.quota) || nonZero(c.period) || set(c.burst) || nonZero(c.realtimePeriod) || nonZero(c.realtimeRuntime) || set(c.idle);
  if (cpuWanted) {
    const dir = dirFor(paths, "cpu", `${R}.cpu`);
    // A realtime budget only fits inside the parent's, and new cgroups start with none: the
    // parents skiff made get the same budget, top-down, before the container's own cgroup.
    const rtDirs = [...created.filter((d) => dir.startsWith(d + "/")).sort((a, b) => a.length - b.length), dir];
    for (const d of rtDirs) {
      if (nonZero(c.realtimePeriod)) writeCgroupFile(d, "cpu.rt_period_us", String(c.realtimePeriod), `${R}.cpu.realtimePeriod`);
      if (nonZero(c.realtimeRuntime)) writeCgroupFile(d, "cpu.rt_runtime_us", String(c.realtimeRuntime), `${R}.cpu.realtimeRuntime`);
    }
    if (nonZero(c.shares)) {
      writeCgroupFile(dir, "cpu.shares", String(c.shares), `${R}.cpu.shares`);
      // The kernel clamps out-of-range shares silently: say so rather than pretend.
      const got = Number(readCgroupFile(dir, "cpu.shares"));
      if (got !== c.shares) {
        const bound = c.shares > got ? "maximum" : "minimum";
        throw new SkiffError("InvalidConfig", `${R}.cpu.shares: the ${bound} allowed cpu-shares is ${got}`);
      }
    }
    setCfsQuota(dir, c);
    if (c.idle !== undefined) writeCgroupFile(dir, "cpu.idle", String(c.idle), `${R}.cpu.idle`);
  }
  if (c.cpus || c.mems) {
    const dir = dirFor(paths, "cpuset", `${R}.cpu.${c.cpus ? "cpus" : "mems"}`);
    if (c.cpus) writeCgroupFile(dir, "cpuset.cpus", c.cpus, `${R}.cpu.cpus`);
    if (c.mems) writeCgroupFile(dir, "cpuset.mems", c.mems, `${R}.cpu.mems`);
  }
}

// A smaller period can be refused (EINVAL) while the old quota/new period ratio exceeds the
// parent's: then write the quota first and the period after it, as runc does.
function setCfsQuota(dir: string, c: CPU): void {
  let periodPending = false;
  if (nonZero(c.period)) {
    try {
      writeCgroupFile(dir, "cpu.cfs_period_us", String(c.period), `${R}.cpu.period`);
    } catch (e) {
      if (!(e instanceof SkiffError) || e.errno !== 22 || !nonZero(c.quota)) throw e;
      periodPending = true;
    }
  }
  if (nonZero(c.quota)) {
    writeCgroupFile(dir, "cpu.cfs_quota_us", String(c.quota), `${R}.cpu.quota`);
    if (periodPending) writeCgroupFile(dir, "cpu.cfs_period_us", String(c.period), `${R}.cpu.period`);
  }
  if (c.burst !== undefined) {
    if (!exists(dir, "cpu.cfs_burst_us")) throw new SkiffError("InvalidConfig", `${R}.cpu.burst: this kernel has no cpu.cfs_burst_us`);
    writeCgroupFile(dir, "cpu.cfs_burst_us", String(c.burst), `${R}.cpu.burst`);
  }
}

function setMemory(paths: V1Paths, m: Memory): void {
  const wanted =
    nonZero(m.limit) || nonZero(m.swap) || nonZero(m.reservation) || nonZero(m.kernelTCP) || set(m.swappiness) || m.disableOOMKiller === true || set(m.useHierarchy);
  if (nonZero(m.kernel)) {
    // Linux 6.x accepts writes to memory.kmem.limit_in_bytes and ignores them; runc ignores it too.
    log("warning", `${R}.memory.kernel is ignored: kernel memory limits no longer exist in this kernel`);
  }
  if (!wanted) return;
  const dir = dirFor(paths, "memory", `${R}.memory`);
  let limit = m.limit ?? 0;
  let swap = m.swap ?? 0;
  if (limit === -1 && swap === 0) swap = -1; // an unlimited memory limit lifts the memsw limit too
  if (m.checkBeforeUpdate && limit > 0) checkUsageBelow(dir, "memory.usage_in_bytes", "memory.max_usage_in_bytes", limit);
  if (swap > 0 && limit > 0 && swap < limit) {
    throw new SkiffError("InvalidConfig", `${R}.memory.swap (${swap}) must be >= memory.limit (${limit}): it is memory+swap`);
  }
  if (swap !== 0 && !exists(dir, "memory.memsw.limit_in_bytes")) {
    throw new SkiffError("InvalidConfig", `${R}.memory.swap: swap accounting is not enabled in this kernel (no memory.memsw.limit_in_bytes)`);
  }
  const writeLimit = () => writeCgroupFile(dir, "memory.limit_in_bytes", String(limit), `${R}.memory.limit`);
  const writeSwap = () => writeCgroupFile(dir, "memory.memsw.limit_in_bytes", String(swap), `${R}.memory.swap`);
  if (limit !== 0 && swap !== 0) {
    // memsw must stay >= the memory limit at every step: raise memsw first, lower it last.
    const current = parseCounter(readCgroupFile(dir, "memory.limit_in_bytes"));
    if (limit === -1 || current < BigInt(limit)) {
      writeSwap();
      writeLimit();
    } else {
      writeLimit();
      writeSwap();
    }
  } else {
    if (limit !== 0) writeLimit();
    if (swap !== 0) writeSwap();
  }
  if (nonZero(m.reservation)) writeCgroupFile(dir, "memory.soft_limit_in_bytes", String(m.reservation), `${R}.memory.reservation`);
  if (nonZero(m.kernelTCP)) writeCgroupFile(dir, "memory.kmem.tcp.limit_in_bytes", String(m.kernelTCP), `${R}.memory.kernelTCP`);
  if (m.swappiness !== undefined) {
    if (m.swappiness < 0 || m.swappiness > 100) {
      throw new SkiffError("InvalidConfig", `${R}.memory.swappiness: ${m.swappiness} is out of range (0-100)`);
    }
    writeCgroupFile(dir, "memory.swappiness", String(m.swappiness), `${R}.memory.swappiness`);
  }
  if (m.disableOOMKiller === true) writeCgroupFile(dir, "memory.oom_control", "1", `${R}.memory.disableOOMKiller`);
  if (m.useHierarchy !== undefined) writeCgroupFile(dir, "memory.use_hierarchy", m.useHierarchy ? "1" : "0", `${R}.memory.useHierarchy`);
}

function setBlkio(paths: V1Paths, b: BlockIO): void {
  const throttles: [keyof BlockIO, string][] = [
    ["throttleReadBpsDevice", "blkio.throttle.read_bps_device"],
    ["throttleWriteBpsDevice", "blkio.throttle.write_bps_device"],
    ["throttleReadIOPSDevice", "blkio.throttle.read_iops_device"],
    ["throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"],
  ];
  const wanted = nonZero(b.weight) || nonZero(b.leafWeight) || (b.weightDevice?.length ?? 0) > 0 || throttles.some(([k]) => ((b[k] as ThrottleDevice[] | undefined)?.length ?? 0) > 0);
  if (!wanted) return;
  const dir = dirFor(paths, "blkio", `${R}.blockIO`);
  // CFQ's blkio.weight is gone with the legacy block layer; BFQ offers blkio.bfq.weight.
  const weightFile = ["blkio.weight", "blkio.bfq.weight"].find((f) => exists(dir, f));
  const needWeightFile = (field: string): string => {
    if (weightFile === undefined) {
      throw new SkiffError("InvalidConfig", `${field}: block I/O weights are not supported on this host (no blkio.weight or blkio.bfq.weight: the I/O scheduler is neither CFQ nor BFQ)`);
    }
    return weightFile;
  };
  if (nonZero(b.weight)) writeCgroupFile(dir, needWeightFile(`${R}.blockIO.weight`), String(b.weight), `${R}.blockIO.weight`);
  if (nonZero(b.leafWeight)) {
    if (!exists(dir, "blkio.leaf_weight")) throw new SkiffError("InvalidConfig", `${R}.blockIO.leafWeight: this kernel has no blkio.leaf_weight`);
    writeCgroupFile(dir, "blkio.leaf_weight", String(b.leafWeight), `${R}.blockIO.leafWeight`);
  }
  b.weightDevice?.forEach((d, i) => {
    const field = `${R}.blockIO.weightDevice[${i}]`;
    if (nonZero(d.weight)) writeCgroupFile(dir, needWeightFile(field) + "_device", `${d.major}:${d.minor} ${d.weight}`, field);
    if (nonZero(d.leafWeight)) writeCgroupFile(dir, "blkio.leaf_weight_device", `${d.major}:${d.minor} ${d.leafWeight}`, field);
  });
  for (const [key, file] of throttles) {
    (b[key] as ThrottleDevice[] | undefined)?.forEach((d, i) => {
      writeCgroupFile(dir, file, `${d.major}:${d.minor} ${d.rate}`, `${R}.blockIO.${key}[${i}]`);
    });
  }
}

/**
 * The OCI device list, applied as the fewest writes that turn the cgroup's current list into the
 * wanted one (device-list.ts): a container never loses a device it keeps across an update.
 */
function setDevicesV1(dir: string, rules: NonNullable<LinuxResources["devices"]>): void {
  const field = `${R}.devices`;
  const wanted = deviceListOf(rules, field);
  for (const t of deviceTransition(parseDeviceList(readCgroupFile(dir, "devices.list")), wanted)) {
    writeCgroupFile(dir, t.file, t.line, field);
  }
  // The kernel accepts some writes without applying them: check what a deny-by-default list became.
  if (!wanted.defaultAllow && !sameDeviceList(parseDeviceList(readCgroupFile(dir, "devices.list")), wanted)) {
    throw new SkiffError("Internal", `${field}: the devices cgroup ${dir} does not hold the rules written to it`);
  }
}

export function freezeV1(dir: string, frozen: boolean): void {
  const want = frozen ? "FROZEN" : "THAWED";
  // FREEZING can linger while tasks are caught mid-syscall; re-asking nudges the kernel.
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (attempt % 50 === 0) writeCgroupFile(dir, "freezer.state", want, frozen ? "pause" : "resume");
    if (readCgroupFile(dir, "freezer.state").trim() === want) return;
    sleepSync(2);
  }
  throw new SkiffError("Internal", `${frozen ? "freezing" : "thawing"} ${dir}: freezer.state did not reach ${want}`);
}

function memoryEntry(dir: string, prefix: string): MemoryEntry {
  const read = (f: string) => parseCounter(readOptional(dir, `${prefix}.${f}`));
  return omitZero({ limit: read("limit_in_bytes"), usage: read("usage_in_bytes"), max: read("max_usage_in_bytes"), failcnt: read("failcnt") }, ["limit", "failcnt"]);
}

const USER_HZ = 100n; // cpuacct.stat counts clock ticks

export function statsV1(paths: V1Paths): CgroupStats {
  const stats = emptyStats();
  const cpuacct = paths.cpuacct;
  if (cpuacct) {
    const times = parseFlatKeyed(readOptional(cpuacct, "cpuacct.stat"));
    stats.cpu.usage = omitZero({
      total: parseCounter(readOptional(cpuacct, "cpuacct.usage")),
      percpu: parseNumberList(readOptional(cpuacct, "cpuacct.usage_percpu")),
      percpu_kernel: parseNumberList(readOptional(cpuacct, "cpuacct.usage_percpu_sys")),
      percpu_user: parseNumberList(readOptional(cpuacct, "cpuacct.usage_percpu_user")),
      kernel: ((times.system ?? 0n) * 1_000_000_000n) / USER_HZ,
      user: ((times.user ?? 0n) * 1_000_000_000n) / USER_HZ,
    }, ["kernel", "user"]);
  }
  if (paths.cpu) {
    const s = parseFlatKeyed(readOptional(paths.cpu, "cpu.stat"));
    stats.cpu.throttling = omitZero({ periods: s.nr_periods, throttledPeriods: s.nr_throttled, throttledTime: s.throttled_time });
  }
  if (paths.cpuset) stats.cpuset = cpusetV1(paths.cpuset);
  const mem = paths.memory;
  if (mem) {
    const raw = parseFlatKeyed(readOptional(mem, "memory.stat"));
    const usage = memoryEntry(mem, "memory");
    const swap = exists(mem, "memory.memsw.usage_in_bytes") ? memoryEntry(mem, "memory.memsw") : usage;
    stats.memory = omitZero({ cache: raw.cache ?? 0n, usage, swap, kernel: memoryEntry(mem, "memory.kmem"), kernelTCP: memoryEntry(mem, "memory.kmem.tcp"), raw }) as CgroupStats["memory"];
    if (Object.keys(raw).length === 0) delete stats.memory.raw;
  }
  if (paths.pids) {
    const limit = parseCounter(readOptional(paths.pids, "pids.max"));
    stats.pids = omitZero({ current: parseCounter(readOptional(paths.pids, "pids.current")), limit: limit === MAX_UINT64 ? 0n : limit });
  }
  if (paths.blkio) stats.blkio = blkioV1(paths.blkio);
  if (paths.hugetlb) {
    for (const f of listHugetlbSizes(paths.hugetlb, ".limit_in_bytes")) {
      const read = (suffix: string) => parseCounter(readOptional(paths.hugetlb!, `hugetlb.${f}.${suffix}`));
      stats.hugetlb[f] = omitZero({ usage: read("usage_in_bytes"), max: read("max_usage_in_bytes"), failcnt: read("failcnt") }, ["failcnt"]);
    }
  }
  return stats;
}

// Prefer the CFQ recursive counters, then BFQ's, then the throttle layer's (always present).
function blkioV1(dir: string): CgroupStats["blkio"] {
  for (const prefix of ["blkio.io_service", "blkio.bfq.io_service", "blkio.throttle.io_service"]) {
    const bytes = readOptional(dir, `${prefix}_bytes_recursive`);
    if (bytes === undefined) continue;
    return blkioStats(parseBlkioV1(bytes), parseBlkioV1(readOptional(dir, `${prefix}d_recursive`)));
  }
  return {};
}

function cpusetV1(dir: string): CpusetStats {
  const n = (f: string) => parseCounter(readOptional(dir, `cpuset.${f}`));
  const cpus = parseCpuList(readOptional(dir, "cpuset.cpus"));
  const mems = parseCpuList(readOptional(dir, "cpuset.mems"));
  return {
    ...(cpus.length ? { cpus } : {}),
    cpu_exclusive: n("cpu_exclusive"),
    ...(mems.length ? { mems } : {}),
    mem_hardwall: n("mem_hardwall"),
    mem_exclusive: n("mem_exclusive"),
    memory_migrate: n("memory_migrate"),
    memory_spread_page: n("memory_spread_page"),
    memory_spread_slab: n("memory_spread_slab"),
    memory_pressure: n("memory_pressure"),
    sched_load_balance: n("sched_load_balance"),
    sched_relax_domain_level: BigInt((readOptional(dir, "cpuset.sched_relax_domain_level") ?? "0").trim()),
  };
}

/** How many processes the OOM killer has killed in this memory cgroup. */
export function oomKillsV1(dir: string): number {
  return Number(parseFlatKeyed(readOptional(dir, "memory.oom_control")).oom_kill ?? 0n);
}
