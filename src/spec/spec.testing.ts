// Configs for the spec/ tests: one small valid config that each test bends in one place.
import type { Spec } from "./types.js";

/** A small valid config with every namespace but user/cgroup/time; each test bends one thing. */
export function base(): Spec {
  return {
    ociVersion: "1.2.0",
    root: { path: "rootfs" },
    process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/" },
    mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
    linux: { namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }] },
  };
}

export function withLinux(extra: Partial<NonNullable<Spec["linux"]>>, namespaces?: string[]): Spec {
  const spec = base();
  spec.linux = { ...spec.linux, ...extra };
  if (namespaces) spec.linux.namespaces = namespaces.map((type) => ({ type }) as { type: never });
  return spec;
}
