// The systemd cgroup driver's rules, as runc 1.1 applies them (libcontainer/specconv and
// cgroups/systemd): which unit a container gets, where its cgroup is, and which unit properties
// stand for its resources. Pure functions; the D-Bus calls are in systemd-bus.ts.
import * as path from "../posix-path.js";
import { SkiffError } from "../errors.js";
import { readFileThroughLibc } from "../linux/io.js";
import { exists } from "../linux/libc.js";
import { log } from "../log.js";
import type { DeviceCgroupRule, LinuxResources } from "../spec/types.js";
import { blkioWeightToIoWeight, sharesToWeight, v2SwapMax } from "./convert.js";
import { accessText, deviceListOf } from "./device-list.js";
import { parseGVariant } from "./gvariant.js";
import { MAX_UINT64 } from "./stats.js";

/** The unit a container's cgroup is: a transient scope (or slice) inside a parent slice. */
export interface SystemdUnit {
  /** "runc-abc.scope", or a slice's own name. */
  unit: string;
  /** The parent slice, "system.slice" by default. */
  slice: string;
  /** The unit's cgroup below its manager's ("/system.slice/runc-abc.scope"). */
  cgroup: string;
}

/**
 * linux.cgroupsPath under --systemd-cgroup: "slice:prefix:name", or absent for
 * "<defaultSlice>:runc:<id>" (runc's default, kept so tools looking for runc's units find them).
 * A name ending in ".slice" makes a slice rather than a scope. The default slice is
 * "system.slice", or "user.slice" in a rootless user's own systemd (runc's choice). The cgroup
 * is relative to the manager's: the root for the system's systemd.
 */
export function systemdUnitOf(cgroupsPath: string | undefined, id: string, defaultSlice = "system.slice"): SystemdUnit {
  let [parent, prefix, name] = ["", "runc", id];
  if (cgroupsPath) {
    const parts = cgroupsPath.split(":");
    if (parts.length !== 3) {
      throw new SkiffError("InvalidConfig", `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${JSON.stringify(cgroupsPath)} instead`);
    }
    [parent, prefix, name] = parts as [string, string, string];
  }
  const slice = parent || defaultSlice;
  if (name.endsWith(".slice")) return { unit: name, slice, cgroup: expandSlice(name) };
  const unit = `${prefix}-${name}.scope`;
  if (name === "" || unit.includes("/")) throw new SkiffError("InvalidConfig", `linux.cgroupsPath ${JSON.stringify(cgroupsPath)}: ${JSON.stringify(unit)} is not a valid unit name`);
  return { unit, slice, cgroup: path.join(expandSlice(slice), unit) };
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

/**
 * The properties a new unit starts with (runc's Apply), before its resources. `legacy`: systemd
 * runs the v1 hierarchies (a v1 or hybrid host), where I/O is the blkio controller.
 */
export function baseProperties(u: Pick<SystemdUnit, "unit" | "slice">, id: string, pid: number, legacy = false): UnitProperty[] {
  const isSlice = u.unit.endsWith(".slice");
  return [
    ["Description", "s", `skiff container ${id}`],
    ...(isSlice ? ([["Wants", "as", [u.slice]]] as UnitProperty[]) : ([["Slice", "s", u.slice], ["Delegate", "b", true]] as UnitProperty[])),
    ["PIDs", "au", [pid]],
    // Accounting on, as runc does: the controllers are then enabled for the unit from the start.
    ["MemoryAccounting", "b", true],
    ["CPUAccounting", "b", true],
    [legacy ? "BlockIOAccounting" : "IOAccounting", "b", true],
    ["TasksAccounting", "b", true],
    ["DefaultDependencies", "b", false],
  ];
}

const DEFAULT_CPU_PERIOD = 100000n;
const limitOf = (n: number): bigint => (n < 0 ? MAX_UINT64 : BigInt(n));

/**
 * The unit properties for `r` (runc's genV2ResourcesProperties, plus IOWeight; with `legacy`,
 * a v1 or hybrid host, its genV1ResourcesProperties): the device rules as
 * DevicePolicy/DeviceAllow, then the limits. Everything else (cpu.idle/burst, io.max, hugetlb,
 * rdma, memory.high; on v1 the reservation and swap…) has no property and is written to the
 * cgroup's files only; the files are written for these too. `version` is systemd's: the cpuset
 * properties need 244, CPUQuotaPeriodUSec 242.
 */
export function resourceProperties(r: LinuxResources, version: number, legacy = false): UnitProperty[] {
  const props: UnitProperty[] = r.devices ? deviceProperties(r.devices) : [];
  const m = r.memory;
  const c = r.cpu;
  if (legacy) {
    if (m?.limit) props.push(["MemoryLimit", "t", limitOf(m.limit)]);
    if (c?.shares) props.push(["CPUShares", "t", BigInt(c.shares)]);
  } else {
    if (m?.limit) props.push(["MemoryMax", "t", limitOf(m.limit)]);
    if (m?.reservation) props.push(["MemoryLow", "t", limitOf(m.reservation)]);
    const swap = m ? v2SwapMax(m.limit, m.swap) : undefined;
    if (swap !== undefined) props.push(["MemorySwapMax", "t", swap === "max" ? MAX_UINT64 : BigInt(swap)]);
    const weight = sharesToWeight(c?.shares ?? 0);
    if (weight !== 0) props.push(["CPUWeight", "t", BigInt(weight)]);
  }
  props.push(...cpuQuota(c?.quota ?? 0, c?.period ?? 0, version));
  const pids = r.pids?.limit ?? 0;
  if (pids !== 0) props.push(["TasksMax", "t", limitOf(pids)]);
  if (version >= 244) {
    if (c?.cpus) props.push(["AllowedCPUs", "ay", rangeToBits(c.cpus, "linux.resources.cpu.cpus")]);
    if (c?.mems) props.push(["AllowedMemoryNodes", "ay", rangeToBits(c.mems, "linux.resources.cpu.mems")]);
  }
  const io = r.blockIO?.weight ?? 0;
  if (io !== 0) props.push(legacy ? ["BlockIOWeight", "t", BigInt(io)] : ["IOWeight", "t", BigInt(blkioWeightToIoWeight(io))]);
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

/**
 * The device rules as systemd's DevicePolicy and DeviceAllow (runc's generateDeviceProperties):
 * systemd holds an allow list only, so a list that allows by default with exceptions becomes
 * deny-all with a warning (skiff's own eBPF program, attached after, carries the real rules);
 * an allow rule systemd cannot name (a wildcard major, a major /proc/devices does not list, a
 * device this host lacks) is left out, with a warning.
 */
export function deviceProperties(rules: DeviceCgroupRule[]): UnitProperty[] {
  const list = deviceListOf(rules, "linux.resources.devices");
  const allow = (entries: [string, string][]): UnitProperty => ["DeviceAllow", "a(ss)", entries];
  if (list.defaultAllow) {
    if (list.exceptions.size === 0) return [["DevicePolicy", "s", "auto"], allow([])];
    log("warning", "systemd doesn't support blacklist device rules -- applying temporary deny-all rule");
    return [["DevicePolicy", "s", "strict"], allow([])];
  }
  const wildcard = -1;
  const parsed = [...list.exceptions].map(([key, bits]) => {
    const m = /^([bc]) (\*|[0-9]+):(\*|[0-9]+)$/.exec(key)!;
    const n = (t: string) => (t === "*" ? wildcard : Number(t));
    return { type: m[1] as "b" | "c", major: n(m[2]!), minor: n(m[3]!), access: accessText(bits), key };
  });
  // runc's order: by major, minor, then type (wildcards first), so both list the same.
  // the type by code unit, not localeCompare: ICU's collator costs a compiled skiff ~0.4 ms to set up
  parsed.sort((a, b) => a.major - b.major || a.minor - b.minor || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const entries: [string, string][] = [];
  for (const r of parsed) {
    const kind = r.type === "b" ? "block" : "char";
    if (r.major === wildcard) {
      if (r.minor !== wildcard) {
        log("warning", `systemd doesn't support '*:n' device rules -- temporarily ignoring rule: ${r.key} ${r.access}`);
        continue;
      }
      entries.push([`${kind}-*`, r.access]);
    } else if (r.minor === wildcard) {
      const group = deviceGroup(kind, r.major);
      if (group === undefined) {
        log("warning", `could not find device group for '${r.type}/${r.major}' in /proc/devices -- temporarily ignoring rule: ${r.key} ${r.access}`);
        continue;
      }
      entries.push([`${kind}-${group}`, r.access]);
    } else {
      const node = `/dev/${kind}/${r.major}:${r.minor}`;
      // /dev/{block,char} is udev's; /sys/dev has every device the kernel knows.
      if (!exists(node) && !exists(`/sys${node}`)) {
        log("warning", `skipping device ${node} for systemd: no such device`);
        continue;
      }
      entries.push([node, r.access]);
    }
  }
  return [["DevicePolicy", "s", "strict"], allow(entries)];
}

/** The name /proc/devices gives major `major` of this kind ("pts" for char 136). */
function deviceGroup(kind: "block" | "char", major: number): string | undefined {
  let section = "";
  for (const line of readFileThroughLibc("/proc/devices").split("\n")) {
    const t = line.trim();
    if (t === "Character devices:") section = "char";
    else if (t === "Block devices:") section = "block";
    else if (section === kind) {
      const [num, name] = t.split(/\s+/);
      if (Number(num) === major && name) return name;
    }
  }
  return undefined;
}

const PROPERTY_PREFIX = "org.systemd.property.";

/**
 * runc's `org.systemd.property.<Name>` annotations: extra properties of the unit, each value in
 * GVariant's text format ("uint64 123", "'inactive-or-failed'", "true"). A name ending in a
 * lower-case letter and "Sec" (TimeoutStopSec) is systemd's documented name for the USec
 * property, and takes seconds: runc converts it, and so does skiff.
 */
export function annotationProperties(annotations: Record<string, string> | undefined): UnitProperty[] {
  const props: UnitProperty[] = [];
  for (const [key, text] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(PROPERTY_PREFIX)) continue;
    let name = key.slice(PROPERTY_PREFIX.length);
    const why = name.length < 3 ? "too short" : /^[A-Za-z]+$/.test(name) ? undefined : "contains non-alphabetic character";
    if (why) throw new SkiffError("InvalidConfig", `annotation ${key} name incorrect: ${why}`);
    const parseError = (e: unknown) => new SkiffError("InvalidConfig", `annotation ${key}=${text} value parse error: ${(e as Error).message}`);
    let value;
    try {
      value = parseGVariant(text);
    } catch (e) {
      throw parseError(e);
    }
    if (/[a-z]Sec$/.test(name)) {
      name = `${name.slice(0, -3)}USec`;
      if (!/^[ynqiuxtd]$/.test(value.signature)) throw parseError(new Error("not a number"));
      const usec = value.signature === "d" ? BigInt(Math.trunc((value.value as number) * 1e6)) : BigInt(value.value as number | bigint) * 1000000n;
      value = { signature: "t", value: BigInt.asUintN(64, usec) };
    }
    props.push([name, value.signature, value.value]);
  }
  return props;
}
