// Rules beyond the JSON Schema: cross-field constraints from config.md / config-linux.md and the
// ground runc's libcontainer/configs/validate covers. Pure functions over an already
// schema-valid document; each finding names the JSON path it is about.
//
// Decisions (documented here because they differ from runc in places):
// - Relative mount destinations: runc still accepts them with a deprecation warning. We accept
//   them only in configs that declare an ociVersion before 1.1.0 (load.ts then resolves them
//   against "/"); from 1.1.0 on they are an error. config.md says Linux destinations SHOULD be
//   absolute; nothing current writes relative ones.
// - A new user namespace needs both uidMappings and gidMappings (runc accepts either one, and the
//   container then fails later with a less clear error).
// - Unknown capability names are errors (config.md: the runtime MUST error; runc only warns).

import { isCapabilityName } from "./capabilities.js";
import { idListProblem } from "./id-list.js";
import {
  deviceViolations,
  idMappingViolations,
  memoryPolicyViolations,
  netDeviceViolations,
  personalityViolations,
  resourcesViolations,
  seccompViolations,
  sysctlViolations,
  timeNamespaceViolations,
  userNamespaceViolations,
} from "./semantic-linux.js";
import type { Capabilities, Linux, Mount, Process, Scheduler, Spec } from "./types.js";
import { join, type NamespaceIndex, type Violation } from "./violation.js";

export const OCI_VERSION_MIN = "1.0.0";
export const OCI_VERSION_MAX = "1.3.0";
const SUPPORTED = `skiff supports ${OCI_VERSION_MIN} to 1.3.x`;
const SEMVER = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

interface ParsedVersion {
  major: number;
  minor: number;
}

function parseVersion(version: string): ParsedVersion | undefined {
  const m = SEMVER.exec(version);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** Every 1.0.0 to 1.3.x, with any pre-release or build suffix (1.0.2-dev, 1.3.0+dev). */
export function ociVersionViolation(version: string): Violation | undefined {
  const v = parseVersion(version);
  if (!v) return { path: "/ociVersion", message: `${JSON.stringify(version)} is not a SemVer version (${SUPPORTED})` };
  if (v.major !== 1 || v.minor > 3) {
    return { path: "/ociVersion", message: `unsupported version ${JSON.stringify(version)} (${SUPPORTED})` };
  }
  return undefined;
}

/** Configs older than 1.1.0 may carry relative mount destinations (see the header). */
export function allowsRelativeMountDestinations(version: string): boolean {
  const v = parseVersion(version);
  return v !== undefined && v.major === 1 && v.minor === 0;
}

/** The whole config, assuming it passed the schema. Does not repeat the version check. */
export function specViolations(spec: Spec): Violation[] {
  const out: Violation[] = [];
  const linux: Linux = spec.linux ?? {};
  const ns = namespaceIndex(linux, out);

  if (spec.root === undefined) out.push({ path: "/root", message: "is required: skiff needs a root filesystem" });
  if (spec.process === undefined) out.push({ path: "/process", message: "is required: skiff needs a process to run" });
  else out.push(...processViolations(spec.process, "/process"));
  for (const field of ["hostname", "domainname"] as const) {
    if (spec[field] && !ns.has("uts")) {
      out.push({ path: `/${field}`, message: `setting the ${field} needs a uts namespace in /linux/namespaces` });
    }
  }
  for (const key of Object.keys(spec.annotations ?? {})) {
    if (key === "") out.push({ path: "/annotations", message: "annotation keys must not be empty" });
  }
  mountViolations(spec, ns, out);
  userNamespaceViolations(linux, ns, out);
  deviceViolations(linux, out);
  if ((linux.maskedPaths?.length || linux.readonlyPaths?.length) && !ns.has("mount")) {
    const field = linux.maskedPaths?.length ? "maskedPaths" : "readonlyPaths";
    out.push({ path: `/linux/${field}`, message: "needs a mount namespace in /linux/namespaces" });
  }
  if (linux.rootfsPropagation && !ns.has("mount")) {
    out.push({ path: "/linux/rootfsPropagation", message: "needs a mount namespace in /linux/namespaces" });
  }
  sysctlViolations(linux, ns, out);
  timeNamespaceViolations(linux, ns, out);
  netDeviceViolations(linux, ns, out);
  if (linux.resources) out.push(...resourcesViolations(linux.resources, "/linux/resources"));
  if (linux.seccomp) seccompViolations(linux.seccomp, out);
  memoryPolicyViolations(linux, out);
  personalityViolations(linux, out);
  const clos = linux.intelRdt?.closID;
  if (clos !== undefined && (clos === "." || clos === ".." || (clos.length > 1 && clos.includes("/")))) {
    out.push({ path: "/linux/intelRdt/closID", message: `invalid CLOS id ${JSON.stringify(clos)}` });
  }
  return out;
}

/** Namespace types present (new or joined); reports duplicates and relative paths on the way. */
function namespaceIndex(linux: Linux, out: Violation[]): NamespaceIndex {
  const seen: NamespaceIndex = new Map();
  (linux.namespaces ?? []).forEach((n, index) => {
    const first = seen.get(n.type);
    if (first) {
      out.push({
        path: join("/linux/namespaces", index, "type"),
        message: `duplicate namespace "${n.type}" (also at /linux/namespaces/${first.index})`,
      });
      return;
    }
    // Go's omitempty makes "" the same as no path: a new namespace.
    const path = n.path === "" ? undefined : n.path;
    if (path !== undefined && !path.startsWith("/")) {
      out.push({ path: join("/linux/namespaces", index, "path"), message: "must be an absolute path" });
    }
    seen.set(n.type, { index, path });
  });
  return seen;
}

export function processViolations(process: Process, base: string): Violation[] {
  const out: Violation[] = [];
  (process.env ?? []).forEach((kv, i) => {
    const problem = envProblem(kv);
    if (problem) out.push({ path: join(base, "env", i), message: problem });
  });
  process.args.forEach((arg, i) => {
    if (arg.includes("\0")) out.push({ path: join(base, "args", i), message: "must not contain a NUL byte" });
  });
  capabilityViolations(process.capabilities, join(base, "capabilities"), out);
  const rlimitAt = new Map<string, number>();
  (process.rlimits ?? []).forEach((r, i) => {
    const first = rlimitAt.get(r.type);
    if (first !== undefined) {
      out.push({ path: join(base, "rlimits", i, "type"), message: `duplicate rlimit ${r.type} (also at ${join(base, "rlimits", first)})` });
    } else {
      rlimitAt.set(r.type, i);
    }
    if (r.soft > r.hard) {
      out.push({ path: join(base, "rlimits", i), message: `soft limit ${r.soft} is above hard limit ${r.hard}` });
    }
    // JSON.parse rounds 2^64-1 (RLIM_INFINITY) up to 2^64; anything above is out of range.
    for (const key of ["soft", "hard"] as const) {
      if (r[key] > 2 ** 64) out.push({ path: join(base, "rlimits", i, key), message: "is above the largest unsigned 64-bit integer" });
    }
  });
  if (process.scheduler) schedulerViolations(process.scheduler, join(base, "scheduler"), out);
  for (const key of ["initial", "final"] as const) {
    const list = process.execCPUAffinity?.[key];
    const problem = list === undefined ? undefined : idListProblem(list);
    if (problem) out.push({ path: join(base, "execCPUAffinity", key), message: problem });
  }
  return out;
}

/** sched_setattr(2)'s rules, so a bad scheduler fails before anything is created. */
function schedulerViolations(s: Scheduler, at: string, out: Violation[]): void {
  const realtime = s.policy === "SCHED_FIFO" || s.policy === "SCHED_RR";
  if (s.policy === "SCHED_ISO") out.push({ path: join(at, "policy"), message: "SCHED_ISO is not implemented by Linux" });
  // Only SCHED_OTHER and SCHED_BATCH use nice, but an out-of-range value is a mistake anywhere.
  if (s.nice !== undefined && (s.nice < -20 || s.nice > 19)) out.push({ path: join(at, "nice"), message: "must be between -20 and 19" });
  const priority = s.priority ?? 0;
  if (realtime && (priority < 1 || priority > 99)) {
    out.push({ path: join(at, "priority"), message: `must be from 1 to 99 for ${s.policy} (got ${priority})` });
  }
  if (priority && !realtime) out.push({ path: join(at, "priority"), message: "can only be set for SCHED_FIFO or SCHED_RR" });
  if (s.policy !== "SCHED_DEADLINE") {
    for (const f of ["runtime", "deadline", "period"] as const) {
      if (s[f]) out.push({ path: join(at, f), message: "can only be set for SCHED_DEADLINE" });
    }
    return;
  }
  // The kernel's admission rule: 0 < runtime <= deadline <= period (a zero period means deadline).
  const { runtime = 0, deadline = 0, period = 0 } = s;
  if (runtime === 0 || runtime > deadline || (period !== 0 && deadline > period)) {
    out.push({ path: join(at, "runtime"), message: `SCHED_DEADLINE needs 0 < runtime <= deadline <= period, got ${runtime}, ${deadline}, ${period}` });
  }
}

/** runc refuses these when it builds the environment. */
function envProblem(kv: string): string | undefined {
  const eq = kv.indexOf("=");
  if (eq < 0) return 'must have the form NAME=VALUE (no "=")';
  if (eq === 0) return "has an empty variable name";
  if (kv.includes("\0")) return "must not contain a NUL byte";
  return undefined;
}

function capabilityViolations(caps: Capabilities | undefined, base: string, out: Violation[]): void {
  if (!caps) return;
  for (const set of ["bounding", "effective", "inheritable", "permitted", "ambient"] as const) {
    (caps[set] ?? []).forEach((name, i) => {
      if (!isCapabilityName(name)) {
        out.push({ path: join(base, set, i), message: `unknown capability ${JSON.stringify(name)}` });
      }
    });
  }
}

function mountViolations(spec: Spec, ns: NamespaceIndex, out: Violation[]): void {
  const mounts: Mount[] = spec.mounts ?? [];
  // Mounts without a mount namespace are accepted, as runc does; create skips them (with a
  // warning) rather than change the runtime's own mounts. A read-only root would remount the
  // host's filesystem holding the rootfs.
  if (spec.root?.readonly && !ns.has("mount")) {
    out.push({ path: "/root/readonly", message: "needs a mount namespace in /linux/namespaces" });
  }
  const relativeOk = allowsRelativeMountDestinations(spec.ociVersion);
  mounts.forEach((m, i) => {
    const at = join("/mounts", i);
    if (!m.destination.startsWith("/") && !relativeOk) {
      out.push({
        path: join(at, "destination"),
        message: "must be an absolute path (relative destinations are accepted only for ociVersion 1.0.x)",
      });
    }
    for (const field of ["destination", "source", "type"] as const) {
      if (m[field]?.includes("\0")) out.push({ path: join(at, field), message: "must not contain a NUL byte" });
    }
    const options = m.options ?? [];
    // A bind is asked for by type or by option (as the plan reads it); cgroup mounts ignore both.
    const bind = m.type === "bind" || options.includes("bind") || options.includes("rbind");
    if (bind && !m.source && m.type !== "cgroup" && m.type !== "cgroup2") {
      out.push({ path: join(at, "source"), message: "a bind mount needs a source" });
    }
    const idmapOption = options.includes("idmap") || options.includes("ridmap");
    const hasMappings = m.uidMappings !== undefined || m.gidMappings !== undefined;
    if (hasMappings || idmapOption) {
      if (!options.includes("bind") && !options.includes("rbind")) {
        out.push({ path: at, message: "id-mapped mounts must be bind mounts (add \"bind\" or \"rbind\" to options)" });
      }
      if (hasMappings && (!m.uidMappings?.length || !m.gidMappings?.length)) {
        out.push({ path: at, message: "an id-mapped mount needs both uidMappings and gidMappings" });
      }
      if (!hasMappings && !ns.has("user")) {
        out.push({ path: join(at, "options"), message: "idmap without uidMappings/gidMappings needs a user namespace to take them from" });
      } else if (!hasMappings && ns.get("user")?.path !== undefined && (!spec.linux?.uidMappings?.length || !spec.linux?.gidMappings?.length)) {
        // A new user namespace without them is reported once, by userNamespaceViolations.
        out.push({ path: join(at, "options"), message: "idmap without uidMappings/gidMappings takes /linux/uidMappings and /linux/gidMappings, which are not both given" });
      }
    }
    idMappingViolations(m.uidMappings, join(at, "uidMappings"), out);
    idMappingViolations(m.gidMappings, join(at, "gidMappings"), out);
  });
}
