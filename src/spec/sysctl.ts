// linux.sysctl keys: how sysctl(8) spells them, and the namespace the kernel scopes each to.
// Only keys of a namespace the container has of its own may be set (runc's rule): anything else
// would change the host for every process on it. semantic-linux.ts judges the config with this;
// plan/sysctl-steps.ts maps each key to its /proc/sys file.
import type { NamespaceType } from "./types.js";

const IPC_KEYS = new Set(["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]);

/**
 * The key's components. sysctl(8) accepts two spellings: "a.b.c", where a '/' stands for a
 * literal dot (an interface "eth0.1" is "net.ipv4.conf.eth0/1.rp_filter"), and "a/b/c", where
 * dots are literal. The first separator decides which.
 */
export function sysctlComponents(key: string): string[] {
  const first = key.search(/[./]/);
  if (first !== -1 && key[first] === "/") return key.split("/");
  return key.split(".").map((c) => c.replaceAll("/", "."));
}

/** A key whose components could leave /proc/sys ("..") or name nothing (""). */
export function invalidSysctlName(key: string): boolean {
  return sysctlComponents(key).some((c) => c === "" || c === "." || c === "..");
}

/** The namespace a key is scoped to, or "kernel.hostname"'s special case; undefined: host-wide. */
export function sysctlNamespace(key: string): NamespaceType | "hostname" | undefined {
  const dotted = sysctlComponents(key).join(".");
  if (IPC_KEYS.has(dotted) || dotted.startsWith("fs.mqueue.")) return "ipc";
  if (dotted.startsWith("net.")) return "network";
  if (dotted === "kernel.domainname") return "uts";
  // Namespaced too, but the dedicated "hostname" field must be the one source of truth.
  if (dotted === "kernel.hostname") return "hostname";
  // ucounts limits: per user namespace (runc refuses them without one).
  if (dotted.startsWith("user.")) return "user";
  return undefined;
}

/** The /proc/sys file of a (valid) key. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${sysctlComponents(key).join("/")}`;
}
