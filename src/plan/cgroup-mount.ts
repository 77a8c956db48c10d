// A mount of type "cgroup" (config.md "Mounts"; runc's behaviour): the container sees its own
// cgroups at the destination, never the host's tree. cgroup v1/hybrid: a tmpfs with one bind
// mount per hierarchy of the container's own directory; v2: a cgroup2 mount inside a cgroup
// namespace (rooted at the container's cgroup), else a bind of the container's directory.
// Where /sys is a bind of the host's (`spec --rootless`), its /sys/fs/cgroup is the host's cgroup2
// mount, on which the kernel refuses another (EBUSY: the same filesystem on the same mount
// point): there the container's directory is bound too, as runc falls back to.
import * as path from "../posix-path.js";
import type { Mount, Spec } from "../spec/types.js";
import { hostIdOf } from "./idmap.js";
import { MS, parseMountOptions } from "./mount-options.js";
import { step, type Step } from "./plan.js";
import { MountMode, Op } from "./protocol.js";
import { containerRelative } from "./rootfs.js";

export interface CgroupView {
  mode: "v1" | "hybrid" | "v2";
  /** controller ("memory", "name=systemd", "" for the unified tree) → host directory */
  paths: Record<string, string>;
  cgroupns: boolean;
  /** An earlier mount binds the host's /sys (see the top of this file). */
  hostSysBound?: boolean;
}

/** Does one of `mounts` bind the host's /sys onto the container's (runc's `spec --rootless`)? */
export function bindsHostSys(mounts: readonly Mount[] | undefined): boolean {
  return (mounts ?? []).some((m) => m.source !== undefined && path.normalize(m.source) === "/sys" && containerRelative(m.destination) === "sys" && parseMountOptions(m.options, m.type).bind);
}

/**
 * To whom the container's cgroup is delegated (runc's OwnerUID): the host uid the process's user
 * is, when the container has a cgroup namespace of its own and a writable cgroup mount at
 * /sys/fs/cgroup, so that its root (systemd, a nested runtime) may make and fill sub-cgroups.
 * Undefined otherwise, and when a user namespace does not map that user.
 */
export function cgroupDelegate(spec: Spec): number | undefined {
  const namespaces = spec.linux?.namespaces ?? [];
  if (!namespaces.some((n) => n.type === "cgroup" && !n.path)) return undefined;
  const writable = (spec.mounts ?? []).some((m) => m.type === "cgroup" && containerRelative(m.destination) === "sys/fs/cgroup" && (parseMountOptions(m.options).flags & MS.RDONLY) === 0);
  if (!writable) return undefined;
  const uid = spec.process?.user.uid ?? 0;
  if (!namespaces.some((n) => n.type === "user")) return uid;
  return hostIdOf(spec.linux?.uidMappings ?? [], uid);
}

/** Directory names under the mount: one per host directory; co-mounted controllers share it. */
export function hierarchyNames(view: CgroupView): { name: string; hostDir: string; aliases: string[] }[] {
  const byDir = new Map<string, string[]>();
  for (const [controller, dir] of Object.entries(view.paths)) {
    const name = controller === "" ? "unified" : controller.replace(/^name=/, "");
    byDir.set(dir, [...(byDir.get(dir) ?? []), name]);
  }
  return [...byDir.entries()]
    .map(([hostDir, names]) => {
      const sorted = names.sort();
      return { name: sorted.join(","), hostDir, aliases: sorted.length > 1 ? sorted : [] };
    })
    // by code unit, not localeCompare: ICU's collator costs a compiled skiff ~0.4 ms to set up
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function cgroupMountSteps(m: Mount, view: CgroupView, rootfs: string): Step[] {
  const o = parseMountOptions(m.options);
  const dest = containerRelative(m.destination);
  const flags = o.flags & ~MS.RDONLY;
  const readonly = (o.flags & MS.RDONLY) !== 0;
  const mount = (what: string, ints: number[], strs: string[]) => step(Op.MOUNT, what, ints, strs);
  if (view.mode === "v2") {
    const dir = view.paths[""];
    if (view.cgroupns && !view.hostSysBound) return [mount(`mount cgroup2 on ${m.destination}`, [o.flags, MountMode.IN_ROOT | MountMode.MKDIR], ["cgroup", dest, "cgroup2", "", rootfs])];
    // A rootless container without a cgroup of its own: nothing of its own to show.
    return dir === undefined
      ? []
      : [
          mount(`bind cgroup ${dir} on ${m.destination}`, [MS.BIND | MS.REC, MountMode.IN_ROOT | MountMode.MKDIR], [dir, dest, "", "", rootfs]),
          mount(`remount cgroup ${m.destination}`, [MS.BIND | MS.REMOUNT | o.flags, MountMode.IN_ROOT | MountMode.KEEP_LOCKED], ["", dest, "", "", rootfs]),
        ];
  }
  const steps = [mount(`mount tmpfs for cgroups on ${m.destination}`, [flags, MountMode.IN_ROOT | MountMode.MKDIR], ["tmpfs", dest, "tmpfs", "mode=755", rootfs])];
  for (const h of hierarchyNames(view)) {
    const sub = `${dest}/${h.name}`;
    steps.push(
      mount(`bind cgroup ${h.hostDir} on ${m.destination}/${h.name}`, [MS.BIND | MS.REC, MountMode.IN_ROOT | MountMode.MKDIR], [h.hostDir, sub, "", "", rootfs]),
      mount(`remount cgroup ${m.destination}/${h.name}`, [MS.BIND | MS.REMOUNT | o.flags, MountMode.IN_ROOT | MountMode.KEEP_LOCKED], ["", sub, "", "", rootfs]),
    );
    for (const alias of h.aliases) steps.push(step(Op.SYMLINK, `symlink ${m.destination}/${alias}`, [], [rootfs, h.name, `/${dest}/${alias}`]));
  }
  if (readonly) steps.push(mount(`remount ${m.destination} read-only`, [MS.BIND | MS.REMOUNT | MS.RDONLY | flags, MountMode.IN_ROOT | MountMode.KEEP_LOCKED], ["", dest, "", "", rootfs]));
  return steps;
}
