// cgroup v1's device list as data: the kernel keeps a default (allow or deny everything) and
// exceptions to it. Writing an OCI rule list line by line would pass through "deny all" while
// the container runs, so a write to /dev/null in the container can fail during `update`.
// Instead, as runc does, both the current list (devices.list) and the wanted one (the OCI
// rules applied in order) are modelled, and only the rules that turn one into the other are
// written: none at all when nothing changes. Pure functions.
import { SkiffError } from "../errors.js";
import type { DeviceCgroupRule } from "../spec/types.js";

const READ = 1, WRITE = 2, MKNOD = 4;
const LETTERS: [string, number][] = [["r", READ], ["w", WRITE], ["m", MKNOD]];

/** `r`, `w` and `m` as bits; other letters mean nothing to the kernel and are ignored, as by runc. */
export function accessBits(access: string | undefined): number {
  let bits = 0;
  for (const [letter, bit] of LETTERS) if ((access ?? "rwm").includes(letter)) bits |= bit;
  return bits;
}

export const accessText = (bits: number) => LETTERS.filter(([, bit]) => bits & bit).map(([l]) => l).join("");

/** "c 1:3", "b *:*": a device class as devices.list names it. */
type DeviceKey = string;

export interface DeviceList {
  /** true: everything is allowed except the exceptions (the kernel's "a *:* rwm" list). */
  defaultAllow: boolean;
  /** exceptions to the default: device class → access bits */
  exceptions: Map<DeviceKey, number>;
}

export interface DeviceTransition {
  file: "devices.allow" | "devices.deny";
  line: string;
}

const num = (n: number | undefined) => (n === undefined || n < 0 ? "*" : String(n));

function keyOf(rule: DeviceCgroupRule): DeviceKey {
  return `${rule.type} ${num(rule.major)}:${num(rule.minor)}`;
}

/** devices.list as the kernel prints it. */
export function parseDeviceList(text: string): DeviceList {
  const list: DeviceList = { defaultAllow: false, exceptions: new Map() };
  for (const line of text.split("\n")) {
    const m = /^([abc]) ([0-9*]+):([0-9*]+) ([rwm]+)$/.exec(line.trim());
    if (!m) {
      if (line.trim() !== "") throw new SkiffError("Internal", `devices.list: cannot parse ${JSON.stringify(line)}`);
      continue;
    }
    // Only an allow-all cgroup lists "a *:* rwm"; its deny exceptions are not shown at all.
    if (m[1] === "a") return { defaultAllow: true, exceptions: new Map() };
    const key = `${m[1]} ${m[2]}:${m[3]}`;
    list.exceptions.set(key, (list.exceptions.get(key) ?? 0) | accessBits(m[4]));
  }
  return list;
}

/**
 * The list an OCI rule sequence leads to, starting from "deny everything" (as runc builds it).
 * `field` names the rules in errors.
 */
export function deviceListOf(rules: DeviceCgroupRule[], field: string): DeviceList {
  let list: DeviceList = { defaultAllow: false, exceptions: new Map() };
  rules.forEach((rule, i) => {
    const type = rule.type ?? "a";
    if (type === "a") {
      list = { defaultAllow: rule.allow, exceptions: new Map() };
      return;
    }
    const key = keyOf({ ...rule, type });
    const bits = accessBits(rule.access);
    const old = list.exceptions.get(key) ?? 0;
    // An allow rule in a deny-by-default list adds an exception; in an allow-by-default one it
    // removes access from an exception (and the other way round for deny rules).
    if (rule.allow !== list.defaultAllow) {
      list.exceptions.set(key, old | bits);
      return;
    }
    // cgroup v1 ignores a removal that only a wildcard exception covers: refuse it rather than
    // pretend (runc's rule).
    for (const wider of [`${type} *:${num(rule.minor)}`, `${type} ${num(rule.major)}:*`, `${type} *:*`]) {
      const covered = (list.exceptions.get(wider) ?? 0) & bits;
      if (wider !== key && covered) {
        throw new SkiffError("InvalidConfig", `${field}[${i}]: cgroup v1 cannot take ${accessText(bits)} of ${key} out of the wider rule ${wider} ${accessText(list.exceptions.get(wider)!)}`);
      }
    }
    const left = old & ~bits;
    if (left === 0) list.exceptions.delete(key);
    else list.exceptions.set(key, left);
  });
  return list;
}

/**
 * The writes that turn `from` into `to`. A change of default, or a `from` that allows by
 * default (whose deny exceptions devices.list does not show), starts with the one disruptive
 * "a *:* rwm"; otherwise only exceptions that differ are written.
 */
export function deviceTransition(from: DeviceList, to: DeviceList): DeviceTransition[] {
  const writes: DeviceTransition[] = [];
  // Exceptions in `to`'s direction are written to the file opposite its default.
  const exceptionFile = to.defaultAllow ? "devices.deny" : "devices.allow";
  const revertFile = to.defaultAllow ? "devices.allow" : "devices.deny";
  let old = from.exceptions;
  if (from.defaultAllow || from.defaultAllow !== to.defaultAllow) {
    writes.push({ file: to.defaultAllow ? "devices.allow" : "devices.deny", line: "a *:* rwm" });
    old = new Map();
  }
  // by code unit, not localeCompare: ICU's collator costs a compiled skiff ~0.4 ms to set up
  const sorted = (m: Map<DeviceKey, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, bits] of sorted(old)) {
    const dropped = bits & ~(to.exceptions.get(key) ?? 0);
    if (dropped) writes.push({ file: revertFile, line: `${key} ${accessText(dropped)}` });
  }
  // In rule order (a Map keeps it): the kernel lists exceptions in the order they were added,
  // and config-linux.md has the rules applied in the listed order (runtime-tools reads
  // devices.list back expecting linux.resources.devices first, in order).
  for (const [key, bits] of to.exceptions) {
    const gained = bits & ~(old.get(key) ?? 0);
    if (gained) writes.push({ file: exceptionFile, line: `${key} ${accessText(gained)}` });
  }
  return writes;
}

/** Whether two lists allow the same (for the check after writing a deny-by-default list). */
export function sameDeviceList(a: DeviceList, b: DeviceList): boolean {
  if (a.defaultAllow !== b.defaultAllow || a.exceptions.size !== b.exceptions.size) return false;
  for (const [key, bits] of a.exceptions) if (b.exceptions.get(key) !== bits) return false;
  return true;
}
