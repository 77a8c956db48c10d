// The Linux-specific rules beyond the JSON Schema (semantic.ts runs them): user namespaces and
// id mappings, sysctl and time namespaces, network devices, seccomp, memory policy and
// linux.resources (which `update --resources` checks too).
import { normalize } from "../posix-path.js";
import { idListProblem } from "./id-list.js";
import { invalidSysctlName, sysctlComponents, sysctlNamespace } from "./sysctl.js";
import type { IDMapping, Linux, LinuxResources, NamespaceType, Seccomp } from "./types.js";
import { join, type NamespaceIndex, type Violation } from "./violation.js";

/** The kernel limit on lines in uid_map/gid_map (since Linux 4.15). */
const MAX_ID_MAPPINGS = 340;

export function idMappingViolations(maps: IDMapping[] | undefined, base: string, out: Violation[]): void {
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

export function userNamespaceViolations(linux: Linux, ns: NamespaceIndex, out: Violation[]): void {
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

export function sysctlViolations(linux: Linux, ns: NamespaceIndex, out: Violation[]): void {
  for (const key of Object.keys(linux.sysctl ?? {})) {
    const at = join("/linux/sysctl", key);
    const need = (type: NamespaceType, why: string): void => {
      const article = type === "ipc" ? "an" : "a";
      if (!ns.has(type)) out.push({ path: at, message: `${why} needs ${article} ${type} namespace in /linux/namespaces` });
    };
    if (invalidSysctlName(key)) {
      out.push({ path: at, message: "is not a valid sysctl name" });
      continue;
    }
    const scope = sysctlNamespace(key);
    if (scope === "ipc") need("ipc", "an IPC sysctl");
    // Joining a namespace by path may still be the host's; only the executor can tell.
    else if (scope === "network") {
      if (!ns.has("network")) out.push({ path: at, message: "a net sysctl needs a network namespace in /linux/namespaces (refusing to change the host's)" });
    } else if (scope === "hostname") out.push({ path: at, message: "conflicts with the hostname field: set /hostname instead" });
    else if (scope === "uts") need("uts", "kernel.domainname");
    else if (scope === "user") need("user", "a user.* sysctl");
    else out.push({ path: at, message: `sysctl ${JSON.stringify(sysctlComponents(key).join("."))} is not namespaced: it would change the host` });
  }
}

// The kernel's dev_t for mknod holds a 12-bit major and a 20-bit minor.
const DEVICE_NUMBER_MAX = { major: 0xfff, minor: 0xfffff } as const;

export function deviceViolations(linux: Linux, out: Violation[]): void {
  const first = new Map<string, number>();
  (linux.devices ?? []).forEach((d, i) => {
    const at = join("/linux/devices", i);
    // The schema has the path absolute; "/dev/.." still names the root itself.
    const normal = normalize(d.path);
    if (normal === "/") out.push({ path: join(at, "path"), message: `must name a path below / (got ${JSON.stringify(d.path)})` });
    const earlier = first.get(normal);
    if (earlier !== undefined) {
      out.push({ path: join(at, "path"), message: `${JSON.stringify(normal)} is listed twice (also at ${join("/linux/devices", earlier)})` });
    } else {
      first.set(normal, i);
    }
    // A FIFO has no device numbers: the plan ignores them.
    if (d.type === "p") return;
    for (const key of ["major", "minor"] as const) {
      const value = d[key];
      if (value !== undefined && (value < 0 || value > DEVICE_NUMBER_MAX[key])) {
        out.push({ path: join(at, key), message: `must be from 0 to ${DEVICE_NUMBER_MAX[key]} (got ${value})` });
      }
    }
  });
}

const TIME_NAMESPACE_CLOCKS = ["monotonic", "boottime"];

export function timeNamespaceViolations(linux: Linux, ns: NamespaceIndex, out: Violation[]): void {
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
  return name.length > 0 && Buffer.byteLength(name) < 16 && name !== "." && name !== ".." && !/[/:\s]/.test(name);
}

export function netDeviceViolations(linux: Linux, ns: NamespaceIndex, out: Violation[]): void {
  const devices = linux.netDevices;
  if (devices === undefined || Object.keys(devices).length === 0) return;
  if (!ns.has("network")) out.push({ path: "/linux/netDevices", message: "needs a network namespace in /linux/namespaces" });
  const inside = new Map<string, string>();
  for (const [hostName, dev] of Object.entries(devices)) {
    const at = join("/linux/netDevices", hostName);
    if (!validInterfaceName(hostName)) out.push({ path: at, message: `invalid network device name ${JSON.stringify(hostName)}` });
    if (dev.name && !validInterfaceName(dev.name)) {
      out.push({ path: join(at, "name"), message: `invalid network device name ${JSON.stringify(dev.name)}` });
    }
    // Its name in the container; a "%d" template is numbered by the kernel, so never clashes.
    const name = dev.name || hostName;
    const other = inside.get(name);
    if (other !== undefined && !name.includes("%d")) {
      out.push({ path: dev.name ? join(at, "name") : at, message: `${JSON.stringify(name)} is already the name of ${join("/linux/netDevices", other)} in the container` });
    }
    if (other === undefined) inside.set(name, hostName);
  }
}

// The filter's return value carries the errno or tracer datum in its low 16 bits; libseccomp
// takes an errno only below 4095, the kernel's last (MAX_ERRNO), and a larger one would fail the
// create later with a bare "invalid argument" from seccomp_rule_add.
const ERRNO_RET_MAX: Record<string, number> = { SCMP_ACT_ERRNO: 4094, SCMP_ACT_TRACE: 0xffff };

/**
 * Syscalls skiff-init itself makes after loading the filter (sending the listener fd over the
 * sync socket, then execve's own writes): a NOTIFY rule on them would block the container
 * forever waiting for an agent that has not got the fd yet. runc forbids "write" for the same
 * reason.
 */
const NOTIFY_FORBIDDEN_SYSCALLS = ["write", "sendmsg"];

function errnoRetViolations(errnoRet: number | undefined, action: string, at: string, field: string, out: Violation[]): void {
  if (errnoRet === undefined) return;
  // The spec: "When the action doesn't support an errno, the runtime MUST print an error and fail."
  const max = ERRNO_RET_MAX[action];
  if (max === undefined) out.push({ path: join(at, field), message: `cannot be used with ${field === "errnoRet" ? "action" : "defaultAction"} ${action}` });
  else if (errnoRet > max) out.push({ path: join(at, field), message: `must be at most ${max} with ${action} (got ${errnoRet})` });
}

export function seccompViolations(seccomp: Seccomp, out: Violation[]): void {
  const base = "/linux/seccomp";
  errnoRetViolations(seccomp.defaultErrnoRet, seccomp.defaultAction, base, "defaultErrnoRet", out);
  if (seccomp.defaultAction === "SCMP_ACT_NOTIFY") {
    out.push({ path: join(base, "defaultAction"), message: "SCMP_ACT_NOTIFY cannot be the default action" });
  }
  if (seccomp.listenerMetadata !== undefined && !seccomp.listenerPath) {
    out.push({ path: join(base, "listenerMetadata"), message: "must not be set without listenerPath" });
  }
  (seccomp.syscalls ?? []).forEach((rule, i) => {
    const at = join(base, "syscalls", i);
    errnoRetViolations(rule.errnoRet, rule.action, at, "errnoRet", out);
    if (rule.action === "SCMP_ACT_NOTIFY") {
      if (!seccomp.listenerPath) out.push({ path: join(at, "action"), message: "SCMP_ACT_NOTIFY needs /linux/seccomp/listenerPath" });
      rule.names.forEach((name, j) => {
        if (NOTIFY_FORBIDDEN_SYSCALLS.includes(name)) {
          out.push({ path: join(at, "names", j), message: `SCMP_ACT_NOTIFY cannot be used for the ${name} syscall: skiff-init makes it after loading the filter` });
        }
      });
    }
    (rule.args ?? []).forEach((arg, j) => {
      for (const field of ["value", "valueTwo"] as const) {
        // The schema has them non-negative integers; the kernel compares 64-bit words.
        const value = arg[field];
        if (value !== undefined && value >= 2 ** 64) out.push({ path: join(at, "args", j, field), message: `must be below 2^64 (got ${value})` });
      }
    });
  });
}

export function memoryPolicyViolations(linux: Linux, out: Violation[]): void {
  const policy = linux.memoryPolicy;
  if (!policy) return;
  const problem = idListProblem(policy.nodes ?? "");
  if (problem) out.push({ path: "/linux/memoryPolicy/nodes", message: problem });
  const hasNodes = (policy.nodes ?? "") !== "";
  if ((policy.mode === "MPOL_DEFAULT" || policy.mode === "MPOL_LOCAL") && hasNodes) {
    out.push({ path: "/linux/memoryPolicy/nodes", message: `must be empty for ${policy.mode}` });
  }
  if (["MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"].includes(policy.mode) && !hasNodes) {
    out.push({ path: "/linux/memoryPolicy/nodes", message: `${policy.mode} needs at least one node` });
  }
}

export function personalityViolations(linux: Linux, out: Violation[]): void {
  // config-linux.md: "Currently no flag values are supported."
  const flags = linux.personality?.flags ?? [];
  if (flags.length > 0) out.push({ path: "/linux/personality/flags/0", message: `unsupported flag ${JSON.stringify(flags[0])} (the spec defines none)` });
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
