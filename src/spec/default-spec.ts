// The config `skiff spec` writes: the same container as `runc spec` (and `runc spec --rootless`)
// gives, with two deliberate differences:
// - ociVersion is the newest spec version skiff implements, not runc 1.1's "1.0.2-dev";
// - no ambient capabilities: an ambient capability can only be raised when it is also
//   inheritable, and the example (like runc's since 1.2) has no inheritable set, so listing
//   ambient ones would ask for something the kernel refuses.
// Like runc, a cgroup namespace is added only on a unified (cgroup v2) host.

import { existsSync } from "node:fs";
import { ownIdentity } from "../host/identity.js";
import { OCI_VERSION_MAX } from "./semantic.js";
import type { Mount, Namespace, ValidSpec } from "./types.js";

export interface DefaultSpecOptions {
  /** As `runc spec --rootless`: user namespace mapping the caller to root, no network namespace. */
  rootless?: boolean;
  /** Host ids mapped to root in rootless mode; default the caller's effective ids. */
  hostUid?: number;
  hostGid?: number;
  /** Add a cgroup namespace; default: whether /sys/fs/cgroup is a cgroup2 mount. */
  cgroupNamespace?: boolean;
}

const DEFAULT_CAPABILITIES = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

export function defaultSpec(opts: DefaultSpecOptions = {}): ValidSpec {
  const cgroupNamespace = opts.cgroupNamespace ?? existsSync("/sys/fs/cgroup/cgroup.controllers");
  const namespaces: Namespace[] = [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }];
  if (cgroupNamespace) namespaces.push({ type: "cgroup" });

  const spec: ValidSpec = {
    ociVersion: OCI_VERSION_MAX,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ["sh"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: {
        bounding: [...DEFAULT_CAPABILITIES],
        effective: [...DEFAULT_CAPABILITIES],
        permitted: [...DEFAULT_CAPABILITIES],
      },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: true },
    hostname: "skiff",
    mounts: defaultMounts(),
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      namespaces,
      maskedPaths: [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
  return opts.rootless ? toRootless(spec, opts) : spec;
}

/** runc's example mounts: the filesystems config-linux.md asks for, /dev, and a read-only cgroup mount. */
export function defaultMounts(): Mount[] {
  return [
    { destination: "/proc", type: "proc", source: "proc" },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    {
      destination: "/sys/fs/cgroup",
      type: "cgroup",
      source: "cgroup",
      options: ["nosuid", "noexec", "nodev", "relatime", "ro"],
    },
  ];
}

/**
 * An unprivileged user can neither create a network namespace it can configure nor mount sysfs
 * or set cgroup limits, and only its own ids can be mapped: so a user namespace mapping them to
 * root, /sys bind-mounted from the host, no uid=/gid= mount options, no resources.
 */
function toRootless(spec: ValidSpec, opts: DefaultSpecOptions): ValidSpec {
  const { namespaces, maskedPaths, readonlyPaths } = spec.linux!;
  // Keys in the order runc writes them, so the two files diff cleanly.
  spec.linux = {
    uidMappings: [{ containerID: 0, hostID: opts.hostUid ?? ownIdentity().euid, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: opts.hostGid ?? ownIdentity().egid, size: 1 }],
    namespaces: [...namespaces!.filter((n) => n.type !== "network" && n.type !== "user"), { type: "user" }],
    maskedPaths,
    readonlyPaths,
  };
  spec.mounts = spec.mounts!.map((m): Mount => {
    if (m.destination === "/sys") {
      return { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] };
    }
    const options = m.options?.filter((o) => !o.startsWith("uid=") && !o.startsWith("gid="));
    return options ? { ...m, options } : m;
  });
  return spec;
}
