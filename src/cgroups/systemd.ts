// The systemd cgroup driver's rules, as runc 1.1 applies them (libcontainer/specconv and
// cgroups/systemd): which unit a container gets, where its cgroup is, and which unit properties
// stand for its resources. Pure functions; the D-Bus calls are in systemd-bus.ts.
import * as path from "node:path";
import { SkiffError } from "../errors.js";
import type { LinuxResources } from "../spec/types.js";
import { blkioWeightToIoWeight, sharesToWeight, v2SwapMax } from "./convert.js";
import { MAX_UINT64 } from "./stats.js";

/** The unit a container's cgroup is: a transient scope (or slice) inside a parent slice. */
export interface SystemdUnit {
  /** "runc-abc.scope", or a slice's own name. */
  unit: string;
  /** The parent slice, "system.slice" by default. */
  slice: string;
  /** The unit's cgroup, from the cgroup2 root ("/system.slice/runc-abc.scope"). */
  cgroup: string;
}

/**
 * linux.cgroupsPath under --systemd-cgroup: "slice:prefix:name", or absent for
 * "system.slice:runc:<id>" (runc's default, kept so tools looking for runc's units find them).
 * A name ending in ".slice" makes a slice rather than a scope.
 */
export function systemdUnitOf(cgroupsPath: string | undefined, id: string): SystemdUnit {
  let [parent, prefix, name] = ["", "runc", id];
  if (cgroupsPath) {
    const parts = cgroupsPath.split(":");
    if (parts.length !== 3) {
      throw new SkiffError("InvalidConfig", `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${JSON.stringify(cgroupsPath)} instead`);
    }
    [parent, prefix, name] = parts as [string, string, string];
  }
  const slice = parent || "system.slice";
  if (name.endsWith(".slice")) return { unit: name, slice, cgroup: expandSlice(name) };
  const unit = `${prefix}-${name}.scope`;
  if (name === "" || unit.includes("/")) throw new SkiffError("InvalidConfig", `linux.cgroupsPath ${JSON.stringify(cgroupsPath)}: ${JSON.stringify(unit)} is not a valid unit name`);
  return { unit, slice, cgroup: path.posix.join(expandSlice(slice), unit) };
}

/** systemd's slice nesting: "a-b.slice" is the cgroup /a.slice/a-b.slice; "-.slice" is the root. */
export function expandSlice(slice: string): string {
  const invalid = () => new SkiffError("InvalidConfig", `invalid slice name: ${slice}`);
  if (!slice.endsWith(".slice") || slice.includes("/")) throw invalid();
  const base = slice.slice(0, -".slice".length);
  if (base === "-") return "/";
  let out = "";
  let prefix = "";
  for (const part of base.split("-")) {
    if (part === "") throw invalid();
    out += `/${prefix}${part}.slice`;
    prefix += `${part}-`;
  }
  return out;
}

/** One unit property for D-Bus: name, signature, value (64-bit numbers as bigint). */
export type UnitProperty = [name: string, signature: string, value: unknown];

/** The properties a new unit starts with (runc's Apply), before its resources. */
export function baseProperties(u: Pick<SystemdUnit, "unit" | "slice">, id: string, pid: number): UnitProperty[] {
  const isSlice = u.unit.endsWith(".slice");
  return [
    ["Description", "s", `skiff container ${id}`],
    ...(isSlice ? ([["Wants", "as", [u.slice]]] as UnitProperty[]) : ([["Slice", "s", u.slice], ["Delegate", "b", true]] as UnitProperty[])),
    ["PIDs", "au", [pid]],
    // Accounting on, as runc does: the controllers are then enabled for the unit from the start.
    ["MemoryAccounting", "b", true],
    ["CPUAccounting", "b", true],
    ["IOAccounting", "b", true],
    ["TasksAccounting", "b", true],
    ["DefaultDependencies", "b", false],
  ];
}

const DEFAULT_CPU_PERIOD = 100000n;
const limitOf = (n: number): bigint => (n < 0 ? MAX_UINT64 : BigInt(n));

/**
 * The unit properties for `r` (runc's genV2ResourcesProperties, plus IOWeight). Everything else
 * (cpu.idle/burst, io.max, hugetlb, rdma, memory.high…) has no property and is written to the
 * cgroup's files only; the files are written for these too. `version` is systemd's: the cpuset
 * properties need 244, CPUQuotaPeriodUSec 242.
 */
export function resourceProperties(r: LinuxResources, version: number): UnitProperty[] {
  const props: UnitProperty[] = [];
  const m = r.memory;
  if (m?.limit) props.push(["MemoryMax", "t", limitOf(m.limit)]);
  if (m?.reservation) props.push(["MemoryLow", "t", limitOf(m.reservation)]);
  const swap = m ? v2SwapMax(m.limit, m.swap) : undefined;
  if (swap !== undefined) props.push(["MemorySwapMax", "t", swap === "max" ? MAX_UINT64 : BigInt(swap)]);
  const c = r.cpu;
  const weight = sharesToWeight(c?.shares ?? 0);
  if (weight !== 0) props.push(["CPUWeight", "t", BigInt(weight)]);
  props.push(...cpuQuota(c?.quota ?? 0, c?.period ?? 0, version));
  const pids = r.pids?.limit ?? 0;
  if (pids !== 0) props.push(["TasksMax", "t", limitOf(pids)]);
  if (version >= 244) {
    if (c?.cpus) props.push(["AllowedCPUs", "ay", rangeToBits(c.cpus, "linux.resources.cpu.cpus")]);
    if (c?.mems) props.push(["AllowedMemoryNodes", "ay", rangeToBits(c.mems, "linux.resources.cpu.mems")]);
  }
  const io = r.blockIO?.weight ?? 0;
  if (io !== 0) props.push(["IOWeight", "t", BigInt(blkioWeightToIoWeight(io))]);
  for (const [key, value] of Object.entries(r.unified ?? {})) props.push(...unifiedProperties(key, value.trim(), version));
  return props;
}

// systemd takes the quota per second of wall time, rounded up to 10 ms as runc rounds it.
function cpuQuota(quota: number, period: number, version: number): UnitProperty[] {
  const props: UnitProperty[] = [];
  if (period !== 0 && version >= 242) props.push(["CPUQuotaPeriodUSec", "t", BigInt(period)]);
  if (quota === 0 && period === 0) return props;
  let perSec = MAX_UINT64;
  if (quota > 0) {
    perSec = (BigInt(quota) * 1000000n) / (period ? BigInt(period) : DEFAULT_CPU_PERIOD);
    if (perSec % 10000n !== 0n) perSec = (perSec / 10000n + 1n) * 10000n;
  }
  props.push(["CPUQuotaPerSecUSec", "t", perSec]);
  return props;
}

const MEMORY_KEYS: Record<string, string> = {
  "memory.high": "MemoryHigh",
  "memory.low": "MemoryLow",
  "memory.min": "MemoryMin",
  "memory.max": "MemoryMax",
  "memory.swap.max": "MemorySwapMax",
};

// linux.resources.unified keys that have a property (runc's unifiedResToSystemdProps).
function unifiedProperties(key: string, value: string, version: number): UnitProperty[] {
  const field = `linux.resources.unified["${key}"]`;
  const number = (v: string): bigint => {
    if (v === "max") return MAX_UINT64;
    if (!/^[0-9]+$/.test(v)) throw new SkiffError("InvalidConfig", `${field}: ${JSON.stringify(value)} is not a number`);
    return BigInt(v);
  };
  if (key === "cpu.max") {
    const [quota = "", period] = value.split(/\s+/);
    const p = period === undefined ? Number(DEFAULT_CPU_PERIOD) : Number(number(period));
    return cpuQuota(quota === "max" ? 0 : Number(number(quota)), p, version);
  }
  if (key === "cpu.weight") return [["CPUWeight", "t", number(value)]];
  if ((key === "cpuset.cpus" || key === "cpuset.mems") && version >= 244) {
    return [[key === "cpuset.cpus" ? "AllowedCPUs" : "AllowedMemoryNodes", "ay", rangeToBits(value, field)]];
  }
  if (MEMORY_KEYS[key]) return [[MEMORY_KEYS[key], "t", number(value)]];
  if (key === "pids.max") return [["TasksMax", "t", number(value)]];
  return [];
}

/** A cpu/node list ("0-3,6") as systemd's bitmask bytes: byte 0 holds 0..7, lowest bit first. */
export function rangeToBits(list: string, field: string): number[] {
  const bytes: number[] = [];
  for (const part of list.split(",").map((s) => s.trim())) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || hi < lo || hi > 8191) throw new SkiffError("InvalidConfig", `${field}: ${JSON.stringify(list)} is not a list like "0-3,6"`);
    for (let i = lo; i <= hi; i++) {
      while (bytes.length <= i >> 3) bytes.push(0);
      bytes[i >> 3]! |= 1 << (i & 7);
    }
  }
  return bytes;
}
