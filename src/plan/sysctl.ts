// linux.sysctl → writes under the container's /proc/sys. Only keys the kernel scopes to a
// namespace the container has of its own are allowed (runc's rule): anything else would change
// the host for every process on it.
import { SkiffError } from "../errors.js";
import type { NamespaceType } from "../spec/types.js";

export interface SysctlWrite {
  path: string;
  value: string;
}

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

/** The namespace a key is scoped to, or "kernel.hostname"'s special case; undefined: host-wide. */
function keyNamespace(dotted: string): NamespaceType | "hostname" | undefined {
  if (IPC_KEYS.has(dotted) || dotted.startsWith("fs.mqueue.")) return "ipc";
  if (dotted.startsWith("net.")) return "network";
  if (dotted === "kernel.domainname") return "uts";
  // Namespaced too, but the dedicated "hostname" field must be the one source of truth.
  if (dotted === "kernel.hostname") return "hostname";
  // ucounts limits: per user namespace (runc refuses them without one).
  if (dotted.startsWith("user.")) return "user";
  return undefined;
}

/**
 * Validates linux.sysctl and maps each key to its /proc/sys file. `ownNamespaces` are the
 * namespace types the container does not share with the runtime (new ones, or joined ones that
 * are not the runtime's own).
 */
export function checkSysctl(sysctl: Record<string, string> | undefined, ownNamespaces: NamespaceType[]): SysctlWrite[] {
  return Object.entries(sysctl ?? {}).map(([key, value]) => {
    const fail = (rule: string): SkiffError => new SkiffError("InvalidConfig", `linux.sysctl: ${JSON.stringify(key)} ${rule}`);
    const components = sysctlComponents(key);
    if (components.some((c) => c === "" || c === "." || c === "..")) throw fail("is not a valid sysctl name");
    const ns = keyNamespace(components.join("."));
    if (ns === undefined) throw fail("is not namespaced and cannot be set in a container");
    if (ns === "hostname") throw fail('conflicts with the "hostname" field; set that instead');
    if (!ownNamespaces.includes(ns)) throw fail(`can only be set when the container has its own ${ns} namespace`);
    return { path: `/proc/sys/${components.join("/")}`, value };
  });
}
