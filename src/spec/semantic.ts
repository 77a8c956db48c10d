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
import type {
  Capabilities,
  IDMapping,
  Linux,
  LinuxResources,
  Mount,
  NamespaceType,
  Process,
  Seccomp,
  Spec,
} from "./types.js";

export interface Violation {
  /** JSON pointer into the document ("" = the document itself). */
  path: string;
  message: string;
}

export const OCI_VERSION_MIN = "1.0.0";
export const OCI_VERSION_MAX = "1.3.0";
const SUPPORTED = `skiff supports ${OCI_VERSION_MIN} to 1.3.x`;
const SEMVER = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** JSON-pointer escaping of one key (RFC 6901). */
export function pointerKey(key: string | number): string {
  return String(key).replace(/~/g, "~0").replace(/\//g, "~1");
}

function join(base: string, ...keys: (string | number)[]): string {
  return base + keys.map((k) => "/" + pointerKey(k)).join("");
}

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
  if (spec.process) out.push(...processViolations(spec.process, "/process"));
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
  const clos = linux.intelRdt?.closID;
  if (clos !== undefined && (clos === "." || clos === ".." || (clos.length > 1 && clos.includes("/")))) {
    out.push({ path: "/linux/intelRdt/closID", message: `invalid CLOS id ${JSON.stringify(clos)}` });
  }
  return out;
}

/** Namespace types present (new or joined); reports duplicates and relative paths on the way. */
function namespaceIndex(linux: Linux, out: Violation[]): Map<NamespaceType, { index: number; path?: string }> {
  const seen = new Map<NamespaceType, { index: number; path?: string }>();
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

type NamespaceIndex = ReturnType<typeof namespaceIndex>;

export function processViolations(process: Process, base: string): Violation[] {
  const out: Violation[] = [];
  (process.env ?? []).forEach((kv, i) => {
    const problem = envProblem(kv);
    if (problem) out.push({ path: join(base, "env", i), message: problem });
  });
  (process.args ?? []).forEach((arg, i) => {
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
  });
  const s = process.scheduler;
  if (s) {
    const at = join(base, "scheduler");
    if ((s.policy === "SCHED_OTHER" || s.policy === "SCHED_BATCH") && s.nice !== undefined && (s.nice < -20 || s.nice > 19)) {
      out.push({ path: join(at, "nice"), message: `must be between -20 and 19 for ${s.policy}` });
    }
    if (s.priority && s.policy !== "SCHED_FIFO" && s.policy !== "SCHED_RR") {
      out.push({ path: join(at, "priority"), message: "can only be set for SCHED_FIFO or SCHED_RR" });
    }
    if (s.policy !== "SCHED_DEADLINE") {
      for (const f of ["runtime", "deadline", "period"] as const) {
        if (s[f]) out.push({ path: join(at, f), message: "can only be set for SCHED_DEADLINE" });
      }
    }
  }
  return out;
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
      }
    }
    idMappingViolations(m.uidMappings, join(at, "uidMappings"), out);
    idMappingViolations(m.gidMappings, join(at, "gidMappings"), out);
  });
}

/** The kernel limit on lines in uid_map/gid_map (since Linux 4.15). */
const MAX_ID_MAPPINGS = 340;

function idMappingViolations(maps: IDMapping[] | undefined, base: string, out: Violation[]): void {
  if (!maps) return;
  if (maps.length > MAX_ID_MAPPINGS) out.push({ path: base, message: `has ${maps.length} entries; the kernel allows at most ${MAX_ID_MAPPINGS}` });
  maps.forEach((m, i) => {
    if (m.size === 0) out.push({ path: join(base, i, "size"), message: "must be at least 1" });
    for (const side of ["containerID", "hostID"] as const) {
      if (m[side] + m.size > 2 ** 32) {
        out.push({ path: join(base, i), message: `${side} range ${m[side]}+${m.size} goes past 4294967295` });
      }
      const clash = maps.findIndex((o, j) => j < i && m[side] < o[side] + o.size && o[side] < m[side] + m.size);
      if (clash >= 0) out.push({ path: join(base, i), message: `${side} range overlaps ${join(base, clash)}` });
    }
  });
}

function userNamespaceViolations(linux: Linux, ns: NamespaceIndex, out: Violation[]): void {
  idMappingViolations(linux.uidMappings, "/linux/uidMappings", out);
  idMappingViolations(linux.gidMappings, "/linux/gidMappings", out);
  const user = ns.get("user");
  if (user === undefined) {
    for (const field of ["uidMappings", "gidMappings"] as const) {
      if (linux[field] !== undefined) {
        out.push({ path: `/linux/${field}`, message: "needs a user namespace in /linux/namespaces" });
      }
    }
  } else if (user.path === undefined) {
    for (const field of ["uidMappings", "gidMappings"] as const) {
      if (!linux[field]?.length) {
        out.push({
          path: `/linux/${field}`,
          message: `is required: the new user namespace at /linux/namespaces/${user.index} needs it (or give the namespace a path to join)`,
        });
      }
    }
  }
}

// IPC-namespaced sysctls (ipc_namespaces(7)); fs.mqueue.* is handled by prefix.
const IPC_SYSCTLS = new Set([
  "kernel.msgmax",
  "kernel.msgmnb",
  "kernel.msgmni",
  "kernel.sem",
  "kernel.shmall",
  "kernel.shmmax",
  "kernel.shmmni",
  "kernel.shm_rmid_forced",
]);

/** sysctl(8) also accepts "/" as the separator: net/ipv4/ip_forward. */
function dottedSysctl(key: string): string {
  const sep = key.search(/[./]/);
  if (sep < 0 || key[sep] === ".") return key;
  return key.replace(/[./]/g, (c) => (c === "/" ? "." : "/"));
}

function sysctlViolations(linux: Linux, ns: NamespaceIndex, out: Violation[]): void {
  for (const raw of Object.keys(linux.sysctl ?? {})) {
    const key = dottedSysctl(raw);
    const at = join("/linux/sysctl", raw);
    const need = (type: NamespaceType, why: string): void => {
      const article = type === "ipc" ? "an" : "a";
      if (!ns.has(type)) out.push({ path: at, message: `${why} needs ${article} ${type} namespace in /linux/namespaces` });
    };
    if (IPC_SYSCTLS.has(key) || key.startsWith("fs.mqueue.")) {
      need("ipc", "an IPC sysctl");
    } else if (key.startsWith("net.")) {
      // Joining a namespace by path may still be the host's; only the executor can tell.
      if (!ns.has("network")) out.push({ path: at, message: "a net sysctl needs a network namespace in /linux/namespaces (refusing to change the host's)" });
    } else if (key === "kernel.hostname") {
      out.push({ path: at, message: "conflicts with the hostname field: set /hostname instead" });
    } else if (key === "kernel.domainname") {
      need("uts", "kernel.domainname");
    } else if (key.startsWith("user.")) {
      need("user", "a user.* sysctl");
    } else {
      out.push({ path: at, message: `sysctl ${JSON.stringify(key)} is not namespaced: it would change the host` });
    }
  }
}

const TIME_NAMESPACE_CLOCKS = ["monotonic", "boottime"];

function timeNamespaceViolations(linux: Linux, ns: NamespaceIndex, out: Violation[]): void {
  if (linux.timeOffsets === undefined) return;
  const time = ns.get("time");
  if (time === undefined) {
    out.push({ path: "/linux/timeOffsets", message: "needs a time namespace in /linux/namespaces" });
  } else if (time.path !== undefined) {
    out.push({ path: "/linux/timeOffsets", message: `cannot be set when joining an existing time namespace (/linux/namespaces/${time.index}/path)` });
  }
  for (const clock of Object.keys(linux.timeOffsets)) {
    if (!TIME_NAMESPACE_CLOCKS.includes(clock)) {
      out.push({ path: join("/linux/timeOffsets", clock), message: `unknown clock: must be one of ${TIME_NAMESPACE_CLOCKS.join(", ")}` });
    }
  }
}

/** Kernel rule for interface names (dev_valid_name): 1..15 bytes, no "/", ":" or whitespace. */
function validInterfaceName(name: string): boolean {
  return name.length > 0 && name.length < 16 && name !== "." && name !== ".." && !/[/:\s]/.test(name);
}

function netDeviceViolations(linux: Linux, ns: NamespaceIndex, out: Violation[]): void {
  const devices = linux.netDevices;
  if (devices === undefined || Object.keys(devices).length === 0) return;
  if (!ns.has("network")) out.push({ path: "/linux/netDevices", message: "needs a network namespace in /linux/namespaces" });
  for (const [hostName, dev] of Object.entries(devices)) {
    const at = join("/linux/netDevices", hostName);
    if (!validInterfaceName(hostName)) out.push({ path: at, message: `invalid network device name ${JSON.stringify(hostName)}` });
    if (dev.name && !validInterfaceName(dev.name)) {
      out.push({ path: join(at, "name"), message: `invalid network device name ${JSON.stringify(dev.name)}` });
    }
  }
}

const ERRNO_ACTIONS = new Set(["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"]);

function seccompViolations(seccomp: Seccomp, out: Violation[]): void {
  const base = "/linux/seccomp";
  if (seccomp.defaultErrnoRet !== undefined && !ERRNO_ACTIONS.has(seccomp.defaultAction)) {
    out.push({ path: join(base, "defaultErrnoRet"), message: `cannot be used with defaultAction ${seccomp.defaultAction}` });
  }
  if (seccomp.defaultAction === "SCMP_ACT_NOTIFY") {
    out.push({ path: join(base, "defaultAction"), message: "SCMP_ACT_NOTIFY cannot be the default action" });
  }
  if (seccomp.listenerMetadata !== undefined && !seccomp.listenerPath) {
    out.push({ path: join(base, "listenerMetadata"), message: "must not be set without listenerPath" });
  }
  (seccomp.syscalls ?? []).forEach((rule, i) => {
    const at = join(base, "syscalls", i);
    if (rule.errnoRet !== undefined && !ERRNO_ACTIONS.has(rule.action)) {
      out.push({ path: join(at, "errnoRet"), message: `cannot be used with action ${rule.action}` });
    }
    if (rule.action === "SCMP_ACT_NOTIFY" && !seccomp.listenerPath) {
      out.push({ path: join(at, "action"), message: "SCMP_ACT_NOTIFY needs /linux/seccomp/listenerPath" });
    }
  });
}

function memoryPolicyViolations(linux: Linux, out: Violation[]): void {
  const policy = linux.memoryPolicy;
  if (!policy) return;
  const hasNodes = (policy.nodes ?? "") !== "";
  if ((policy.mode === "MPOL_DEFAULT" || policy.mode === "MPOL_LOCAL") && hasNodes) {
    out.push({ path: "/linux/memoryPolicy/nodes", message: `must be empty for ${policy.mode}` });
  }
  if (["MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"].includes(policy.mode) && !hasNodes) {
    out.push({ path: "/linux/memoryPolicy/nodes", message: `${policy.mode} needs at least one node` });
  }
}

/** LinuxResources rules, also used for `update --resources`. */
export function resourcesViolations(r: LinuxResources, base: string): Violation[] {
  const out: Violation[] = [];
  const mem = r.memory;
  if (mem?.limit !== undefined && mem.swap !== undefined && mem.limit > 0 && mem.swap > 0 && mem.swap < mem.limit) {
    out.push({ path: join(base, "memory", "swap"), message: `memory+swap limit ${mem.swap} is below the memory limit ${mem.limit}` });
  }
  const cpu = r.cpu;
  if (cpu?.burst !== undefined && cpu.quota !== undefined && cpu.quota > 0 && cpu.burst > cpu.quota) {
    out.push({ path: join(base, "cpu", "burst"), message: `must not exceed quota ${cpu.quota}` });
  }
  (r.blockIO?.weightDevice ?? []).forEach((d, i) => {
    if (d.weight === undefined && d.leafWeight === undefined) {
      out.push({ path: join(base, "blockIO", "weightDevice", i), message: "must set weight or leafWeight" });
    }
  });
  return out;
}
