// runc's `update` flags and their translation into the LinuxResources of the changes, as runc's
// update.go reads them: an absent flag changes nothing, memory sizes take docker's forms
// ("512m", "1.5GiB", "-1"), kernel memory flags are accepted and ignored with a warning.
// Pure: the command (update.ts) reads the container and applies the result.
import { SkiffError } from "../errors.js";
import type { LinuxResources } from "../spec/types.js";
import type { Flag } from "./table.js";

type NumberKind = "uint" | "int" | "memory";

/** A flag that sets one numeric field: `section.field` of LinuxResources. */
interface NumericFlag {
  name: string;
  describe: string;
  kind: NumberKind;
  section: "memory" | "cpu" | "pids" | "blockIO";
  field: string;
}

const NUMERIC_FLAGS: NumericFlag[] = [
  { name: "memory", kind: "memory", section: "memory", field: "limit", describe: "memory limit (bytes, or 512m, 1g...; -1 for unlimited)" },
  { name: "memory-swap", kind: "memory", section: "memory", field: "swap", describe: "total memory usage (memory + swap); -1 for unlimited swap" },
  { name: "memory-reservation", kind: "memory", section: "memory", field: "reservation", describe: "memory reservation or soft limit" },
  { name: "cpu-share", kind: "uint", section: "cpu", field: "shares", describe: "CPU shares (relative weight vs. other containers)" },
  { name: "cpu-shares", kind: "uint", section: "cpu", field: "shares", describe: "same as --cpu-share" },
  { name: "cpu-quota", kind: "int", section: "cpu", field: "quota", describe: "CPU CFS hardcap limit (usecs per period)" },
  { name: "cpu-period", kind: "uint", section: "cpu", field: "period", describe: "CPU CFS period (usecs); 0 for the system default" },
  { name: "cpu-burst", kind: "uint", section: "cpu", field: "burst", describe: "CPU CFS burst (usecs)" },
  { name: "cpu-rt-runtime", kind: "int", section: "cpu", field: "realtimeRuntime", describe: "CPU realtime hardcap limit (usecs per period)" },
  { name: "cpu-rt-period", kind: "uint", section: "cpu", field: "realtimePeriod", describe: "CPU realtime period (usecs); 0 for the system default" },
  { name: "cpu-idle", kind: "int", section: "cpu", field: "idle", describe: "1: SCHED_IDLE for the cgroup, 0: default" },
  // runc reads these two as ints where 0 means "not given".
  { name: "pids-limit", kind: "int", section: "pids", field: "limit", describe: "maximum number of pids (-1 for unlimited)" },
  { name: "blkio-weight", kind: "uint", section: "blockIO", field: "weight", describe: "block IO weight (10 to 1000)" },
];
const ZERO_MEANS_ABSENT = new Set(["pids-limit", "blkio-weight"]);

const CPUSET_FLAGS = [
  { name: "cpuset-cpus", field: "cpus", describe: "CPUs to use (e.g. 0-3,7)" },
  { name: "cpuset-mems", field: "mems", describe: "memory nodes to use (e.g. 0)" },
] as const;

const IGNORED_FLAGS = ["kernel-memory", "kernel-memory-tcp"];

const RDT_FLAGS = [
  { name: "l3-cache-schema", describe: "Intel RDT/CAT L3 cache schema (not supported)", error: "Intel RDT/CAT: l3 cache schema is not enabled: skiff does not manage Intel RDT" },
  { name: "mem-bw-schema", describe: "Intel RDT/MBA memory bandwidth schema (not supported)", error: "Intel RDT/MBA: memory bandwidth schema is not enabled: skiff does not manage Intel RDT" },
];

/** The flags of `update`, every value a string as runc takes them. */
export const UPDATE_FLAGS: Flag[] = [
  { name: "resources", alias: "r", type: "string", describe: "a LinuxResources JSON file, or - for stdin; all other flags are then ignored" },
  ...NUMERIC_FLAGS.map((f): Flag => ({ name: f.name, type: "string", describe: f.describe })),
  ...CPUSET_FLAGS.map((f): Flag => ({ name: f.name, type: "string", describe: f.describe })),
  ...IGNORED_FLAGS.map((name): Flag => ({ name, type: "string", describe: "obsolete: ignored with a warning" })),
  ...RDT_FLAGS.map((f): Flag => ({ name: f.name, type: "string", describe: f.describe })),
];

const BINARY_UNITS: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/**
 * docker's RAMInBytes, which runc uses: a decimal number, an optional space, then nothing, "b",
 * or k/m/g/t/p with an optional "b" or "ib", in any case; units are powers of 1024, fractions
 * are truncated. "-1" (unlimited) is the one negative value.
 */
export function parseMemorySize(text: string, flag = "memory"): number {
  if (text === "-1") return -1;
  const m = /^(\d+(?:\.\d*)?|\.\d+) ?(?:([kmgtp])(?:i?b)?|b)?$/i.exec(text);
  if (!m) throw new SkiffError("InvalidArgument", `invalid value for --${flag}: invalid size: '${text}'`);
  const bytes = Math.trunc(Number(m[1]) * (m[2] ? BINARY_UNITS[m[2].toLowerCase()]! : 1));
  if (!Number.isSafeInteger(bytes)) throw new SkiffError("InvalidArgument", `invalid value for --${flag}: ${text} is too large`);
  return bytes;
}

function parseInteger(text: string, flag: string, signed: boolean): number {
  const n = Number(text);
  if (!(signed ? /^[+-]?\d+$/ : /^\d+$/).test(text) || !Number.isSafeInteger(n)) {
    throw new SkiffError("InvalidArgument", `invalid value for --${flag}: ${JSON.stringify(text)} is not ${signed ? "an integer" : "a non-negative integer"}`);
  }
  return n;
}

function parseNumeric(f: NumericFlag, text: string): number {
  if (f.kind === "memory") return parseMemorySize(text, f.name);
  return parseInteger(text, f.name, f.kind === "int");
}

export interface FlagResources {
  resources: LinuxResources;
  warnings: string[];
}

/** The changes the flags ask for; `values` maps flag names to their (string) values. */
export function resourcesFromFlags(values: Readonly<Record<string, unknown>>): FlagResources {
  const given = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const sections: Record<string, Record<string, number | string>> = {};
  const put = (section: string, field: string, value: number | string) => ((sections[section] ??= {})[field] = value);
  for (const f of NUMERIC_FLAGS) {
    const text = given(f.name);
    if (text === undefined) continue;
    const n = parseNumeric(f, text);
    if (n === 0 && ZERO_MEANS_ABSENT.has(f.name)) continue;
    put(f.section, f.field, n);
  }
  for (const f of CPUSET_FLAGS) {
    const text = given(f.name);
    if (text !== undefined) put("cpu", f.field, text);
  }
  const warnings = IGNORED_FLAGS.filter((name) => given(name) !== undefined).map((name) => `setting --${name} is ignored: kernel memory limits are obsolete`);
  return { resources: sections as LinuxResources, warnings };
}

/** runc refuses the RDT flags on hosts without RDT; skiff manages no RDT at all. */
export function rejectRdtFlags(values: Readonly<Record<string, unknown>>): void {
  for (const f of RDT_FLAGS) {
    if (typeof values[f.name] === "string" && values[f.name] !== "") throw new SkiffError("InvalidArgument", f.error);
  }
}
