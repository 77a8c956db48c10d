// The container's filesystem view (config.md "Root", "Mounts"; config-linux.md
// "rootfsPropagation", "Devices", "maskedPaths", "readonlyPaths"), as init steps.
import * as path from "../posix-path.js";
import type { Mount, Spec } from "../spec/types.js";
import { cgroupMountSteps, type CgroupView } from "./cgroup-mount.js";
import { unescapeMountinfo } from "../cgroups/mounts.js";
import { MS, parseMountOptions, rootfsPropagationFlags } from "./mount-options.js";
import { step, type Step } from "./plan.js";
import { MountMode, Op } from "./protocol.js";

export interface RootfsFacts {
  rootfs: string; // absolute host path
  bundle: string;
  /** The container's cgroups, for mounts of type "cgroup". */
  cgroups: CgroupView;
  /**
   * The mount sources (resolved against the bundle) that exist and are not directories: a bind
   * of a file needs a file as mount point. Read from the host by the caller, before compiling.
   */
  nonDirectorySources: ReadonlySet<string>;
}

/** The container path of a mount destination, relative to the rootfs ("dev/pts"). */
export function containerRelative(dest: string): string {
  return path.normalize("/" + dest).replace(/^\/+/, "");
}

/**
 * Where a mount may cover procfs: /proc itself, and the files lxcfs emulates (runc's list).
 * Anywhere else under /proc is refused by skiff-init on the resolved target, symlinks included.
 */
const PROC_MOUNT_ALLOWED = new Set(["proc", "proc/cpuinfo", "proc/diskstats", "proc/meminfo", "proc/stat", "proc/swaps", "proc/uptime", "proc/loadavg", "proc/slabinfo", "proc/net/dev", "proc/sys/kernel/ns_last_pid"]);

/** A detached copy of the mount's source, made in the helper's phase, waits in an executor slot. */
export interface TreeSlot {
  slot: number;
  /** idmap.ts made it; otherwise bind-sources.ts */
  idmapped: boolean;
}

export function mountSteps(m: Mount, facts: RootfsFacts, tree?: TreeSlot): Step[] {
  // m.destination is absolute: spec/ refused relative ones, or made those of 1.0.x configs absolute.
  if (m.type === "cgroup" || m.type === "cgroup2") return cgroupMountSteps(m, facts.cgroups, facts.rootfs);
  const o = parseMountOptions(m.options, m.type);
  const dest = containerRelative(m.destination);
  const inRoot = MountMode.IN_ROOT | (PROC_MOUNT_ALLOWED.has(dest) ? MountMode.ON_PROC : 0);
  const steps: Step[] = [];
  const label = `mount ${m.source ?? m.type ?? "none"} on ${m.destination}`;
  if (o.bind) {
    // spec/ refused a bind mount without a source.
    const source = path.resolve(facts.bundle, m.source!);
    const create = facts.nonDirectorySources.has(source) ? MountMode.MKFILE : MountMode.MKDIR;
    steps.push(
      tree === undefined
        ? step(Op.MOUNT, label, [MS.BIND | (o.recursive ? MS.REC : 0), inRoot | create], [source, dest, "", "", facts.rootfs])
        : step(Op.MOVE_TREE, tree.idmapped ? `${label} (idmapped)` : label, [tree.slot, (inRoot & MountMode.ON_PROC) | create], [facts.rootfs, dest]),
    );
    // A bind mount ignores every flag but MS_BIND|MS_REC: the rest needs a remount.
    const remountFlags = o.flags & ~MS.REMOUNT;
    if (remountFlags) {
      steps.push(
        step(Op.MOUNT, `remount ${m.destination} (${(m.options ?? []).join(",")})`, [MS.BIND | MS.REMOUNT | remountFlags, inRoot | MountMode.KEEP_LOCKED], ["", dest, "", "", facts.rootfs]),
      );
    }
  } else {
    const type = m.type ?? "";
    // A read-only /dev is mounted writable: its devices and links go in first (readonlyDevSteps).
    const flags = dest === "dev" ? o.flags & ~MS.RDONLY : o.flags;
    // procfs and sysfs only on a real directory (runc refuses a symlinked /proc or /sys)
    const dirOnly = type === "proc" || type === "sysfs" ? MountMode.DIR_ONLY : 0;
    steps.push(step(Op.MOUNT, label, [flags, inRoot | MountMode.MKDIR | dirOnly], [m.source ?? type, dest, type, o.data, facts.rootfs]));
  }
  if (o.recursiveAttrs) {
    const { set, clr } = o.recursiveAttrs;
    steps.push(step(Op.MOUNT_SETATTR, `set recursive attributes of ${m.destination}`, [set, clr, 1], [facts.rootfs, dest]));
  }
  if (o.propagation) {
    steps.push(step(Op.MOUNT, `set propagation of ${m.destination}`, [o.propagation, inRoot], ["", dest, "", "", facts.rootfs]));
  }
  return steps;
}

/** Steps before the configured mounts: isolate propagation and make the rootfs a mount point. */
export function prepareRootSteps(spec: Spec, facts: RootfsFacts): Step[] {
  const wanted = rootfsPropagationFlags(spec.linux?.rootfsPropagation);
  // A private or slave view first, so nothing we mount leaks to the host. "shared" is applied
  // after pivot_root (pivot_root refuses a shared parent).
  const initial = wanted !== undefined && (wanted & MS.PRIVATE) ? MS.PRIVATE | MS.REC : MS.SLAVE | MS.REC;
  return [
    step(Op.MOUNT, "make / " + (initial & MS.PRIVATE ? "rprivate" : "rslave"), [initial, 0], ["", "/", "", "", ""]),
    step(Op.MOUNT, `bind rootfs ${facts.rootfs}`, [MS.BIND | MS.REC, 0], [facts.rootfs, facts.rootfs, "", "", ""]),
  ];
}

/**
 * The runtime's full procfs and sysfs mounts outside the rootfs, from its mountinfo. Under
 * --no-pivot they stay in the container's mount namespace, and while a fully visible procfs
 * exists there the kernel lets a new user namespace mount a bare /proc (runc's no_pivot.bats):
 * they are hidden before the chroot, as runc's msMoveRoot does.
 */
export function runtimePseudoFsMounts(mountinfo: string, rootfs: string): string[] {
  const found: string[] = [];
  for (const line of mountinfo.split("\n")) {
    // Fields: id parent major:minor root mountpoint options [optional...] - fstype source superopts
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const [, , , root, mountpoint] = line.slice(0, dash).split(" ");
    const fstype = line.slice(dash + 3).split(" ")[0];
    if (root !== "/" || (fstype !== "proc" && fstype !== "sysfs") || !mountpoint) continue;
    const where = unescapeMountinfo(mountpoint);
    if (where !== rootfs && !where.startsWith(`${rootfs}/`)) found.push(where);
  }
  return found;
}

/** `runtimeMountinfo`: the runtime's mounts, which --no-pivot hides as needed. */
export function switchRootSteps(spec: Spec, facts: RootfsFacts, noPivot: boolean, runtimeMountinfo = ""): Step[] {
  const steps = [
    noPivot
      ? step(Op.CHROOT, `move to ${facts.rootfs} and chroot`, [1], [facts.rootfs, ...runtimePseudoFsMounts(runtimeMountinfo, facts.rootfs)])
      : step(Op.PIVOT_ROOT, `pivot_root to ${facts.rootfs}`, [], [facts.rootfs]),
  ];
  const wanted = rootfsPropagationFlags(spec.linux?.rootfsPropagation);
  if (wanted !== undefined && !(wanted & MS.PRIVATE)) {
    steps.push(step(Op.MOUNT, `set rootfsPropagation ${spec.linux?.rootfsPropagation}`, [wanted | MS.REC, 0], ["", "/", "", "", ""]));
  }
  return steps;
}

/**
 * Without a mount namespace of its own the container shares the runtime's mounts: nothing may be
 * mounted there (it would outlive the container), so the root is entered by a plain chroot.
 */
export function sharedMountsRootStep(facts: RootfsFacts): Step {
  return step(Op.CHROOT, `chroot to ${facts.rootfs} (no mount namespace)`, [0], [facts.rootfs]);
}

export function maskAndReadonlySteps(spec: Spec): Step[] {
  return [
    ...(spec.linux?.maskedPaths ?? []).map((p) => step(Op.MASK_PATH, `mask ${p}`, [], [p])),
    ...(spec.linux?.readonlyPaths ?? []).map((p) => step(Op.READONLY_PATH, `make ${p} read-only`, [], [p])),
  ];
}

/** A /dev mount with "ro" becomes read-only once its devices exist (runc's order). */
export function readonlyDevSteps(spec: Spec): Step[] {
  const dev = (spec.mounts ?? []).find((m) => containerRelative(m.destination) === "dev");
  if (!dev || dev.type === "cgroup" || dev.type === "cgroup2") return [];
  const o = parseMountOptions(dev.options, dev.type);
  if (o.bind || !(o.flags & MS.RDONLY)) return [];
  return [step(Op.MOUNT, "remount /dev read-only", [MS.REMOUNT | o.flags, MountMode.KEEP_LOCKED], ["", "/dev", "", "", ""])];
}

export function readonlyRootSteps(spec: Spec): Step[] {
  if (!spec.root?.readonly) return [];
  return [step(Op.MOUNT, "remount / read-only", [MS.BIND | MS.REMOUNT | MS.RDONLY, MountMode.KEEP_LOCKED], ["", "/", "", "", ""])];
}
