// The cgroup manager: one interface over cgroup v1, hybrid and v2 hosts, driven by plain file
// writes (no daemon). See docs/cgroups.md for the modes, placement rules and conversions.
//
// Use: createCgroupManager(...) → create() → apply(initPid) → set(resources); save `saved` in
// state.json; later commands call loadCgroupManager(saved). After update() save `saved` again:
// it carries the resources that the next update merges into.
import * as path from "../posix-path.js";
import { SkiffError } from "../errors.js";
import { EBUSY, errnoOf } from "../linux/errno.js";
import { readFileThroughLibc } from "../linux/io.js";
import { exists, open, O_WRONLY } from "../linux/libc.js";
import { trace } from "../log.js";
import type { LinuxResources } from "../spec/types.js";
import { FsManager, UNIFIED } from "./fs-manager.js";
import { modeOf, ownDirOn, ownPathOn, parseCgroupMounts, parseProcCgroup, type CgroupMode, type Hierarchy } from "./mounts.js";
import { directoryOn, placementOf, relativeBase } from "./paths.js";
import type { CgroupStats } from "./stats.js";
import { annotationProperties, systemdUnitOf } from "./systemd.js";

export type { CgroupMode } from "./mounts.js";
export type { CgroupStats } from "./stats.js";
export { eventJson, exactJson } from "./stats.js";
export { defaultDeviceRules } from "./devices.js";

const debug = trace.extend("cgroups");

/** What state.json keeps to find a container's cgroups again. */
export interface SavedCgroups {
  version: 1;
  mode: CgroupMode;
  /** Controller ("memory", "name=systemd"; "" for cgroup v2) → the container's directory (runc's cgroup_paths). */
  paths: Record<string, string>;
  /** Mountpoint of the cgroup v2 tree, whose ancestors' subtree_control set() may extend (v2 mode). */
  unifiedMount?: string;
  /** Directories skiff created, parents first: destroy() removes these and nothing else. */
  created: string[];
  /** The resources last applied: `update` merges its changes into these, as runc does. */
  resources?: LinuxResources;
  /** Not host root: cgroups it may not write are skipped; the systemd driver uses the user's own systemd. */
  rootless?: boolean;
  /**
   * The systemd cgroup driver's unit (--systemd-cgroup): its cgroup is paths[""], which for a
   * rootless container is known once apply() has asked the user's systemd where it lives.
   */
  systemd?: { unit: string; slice: string };
}

export interface CgroupManager {
  readonly mode: CgroupMode;
  readonly saved: SavedCgroups;
  /** The directories create() would make now (parents first): recorded before it runs, so a
   * create killed half-way can still be cleaned up. */
  missingDirectories(): string[];
  /**
   * mkdir what is missing, remembering which directories this call created. Asynchronous: a
   * mkdir can wait for the kernel's cgroup mutex (cgroups/warm-up.ts), time the caller can use;
   * `onPool` false makes them in place (no move of the caller's will hold that mutex).
   */
  create(opts?: { onPool: boolean }): Promise<void>;
  /**
   * Moves pid into the container's cgroup on every hierarchy. Asynchronous: the first move into
   * a cgroup can wait for the kernel (cgroups/warm-up.ts), time the caller can use.
   */
  apply(pid: number): Promise<void>;
  /**
   * Hands the container's cgroup v2 directory to `uid` (cgroup v2 delegation, runc's OwnerUID):
   * the directory and the files the kernel lists in /sys/kernel/cgroup/delegate become its.
   * Nothing on v1 and hybrid hosts, as runc.
   */
  delegate(uid: number): void;
  /** Writes every field of `resources`; errors name the field. */
  set(resources: LinuxResources): void;
  /**
   * `skiff update`: merges `changes` into the saved resources (runc's semantics) and applies
   * them (to the files, and to the systemd unit's properties under the systemd driver).
   */
  update(changes: LinuxResources): Promise<void>;
  /** The container has a freezer (v1 freezer controller, or its v2 cgroup); rootless ones may not. */
  canFreeze(): boolean;
  freeze(): void;
  thaw(): void;
  isFrozen(): Promise<boolean>;
  /** Every pid in the container's cgroup and its sub-cgroups. */
  pids(): number[];
  /**
   * SIGKILLs every process of the cgroup through cgroup.kill (cgroup v2, Linux 5.14+): one
   * write that no fork escapes. False, with nothing done, where there is no such file.
   */
  killThroughCgroup(): boolean;
  /** runc's `events --stats` data. */
  stats(): CgroupStats;
  /** How many processes the OOM killer has killed in the container's memory cgroup so far. */
  oomKills(): number;
  /**
   * Removes the directories create() made (the container's own with any sub-cgroups in it);
   * under the systemd driver, stops the unit first.
   */
  destroy(): Promise<void>;
  /**
   * The container's directory on each hierarchy, named as the host mounts it ("cpu,cpuacct",
   * "memory", "systemd", "unified"; "" for a v2 host's one tree): what a `cgroup` mount inside
   * the container shows, as bind mounts of `dir` at /sys/fs/cgroup/<name>.
   */
  hierarchies(): ContainerHierarchy[];
}

export interface ContainerHierarchy {
  name: string;
  dir: string;
  /** v1 controllers of this hierarchy ("name=systemd" for named ones); empty for cgroup2. */
  controllers: string[];
}

export interface CreateOptions {
  id: string;
  cgroupsPath?: string;
  systemd?: boolean;
  /** The systemd driver starts the unit with these as its properties. */
  resources?: LinuxResources;
  /** The config's annotations: the systemd driver's `org.systemd.property.*` (runc's). */
  annotations?: Record<string, string>;
  rootless?: boolean;
  /**
   * Use the cgroup2 hierarchy mounted here instead of the host's cgroups (v2 mode): the tests of
   * the v2 path on non-v2 hosts pass it; skiff itself never does.
   */
  root?: string;
  /** /proc/self/mountinfo as HostFacts read it (unused with `root`). */
  mountinfo: string;
  /** /proc/self/cgroup's text; read from the host when absent. */
  procCgroup?: string;
}

export function detectMode(mountinfo: string): CgroupMode {
  return modeOf(parseCgroupMounts(mountinfo));
}

export function createCgroupManager(opts: CreateOptions): CgroupManager {
  const hierarchies: Hierarchy[] = opts.root
    ? [{ kind: "v2", controllers: [], mountpoint: opts.root, mountRoot: "/" }]
    : parseCgroupMounts(opts.mountinfo);
  const mode = modeOf(hierarchies);
  if (opts.systemd) return systemdManager(opts, mode, hierarchies);
  const placement = placementOf(opts.cgroupsPath, opts.id);
  const own = parseProcCgroup(opts.procCgroup ?? readFileThroughLibc("/proc/self/cgroup"));
  const { paths, unifiedMount } = pathsOn(hierarchies, (h) => directoryOn(h, placement, relativeBase(mode, h, ownPathOn(own, h))));
  debug("mode %s, paths %o", mode, paths);
  return new FsManager({ version: 1, mode, paths, unifiedMount, created: [], rootless: opts.rootless || undefined });
}

/** The container's directory on every hierarchy, keyed as `SavedCgroups.paths` keys them. */
function pathsOn(hierarchies: Hierarchy[], dirOn: (h: Hierarchy) => string): Pick<SavedCgroups, "paths" | "unifiedMount"> {
  const paths: Record<string, string> = {};
  let unifiedMount: string | undefined;
  for (const h of hierarchies) {
    const dir = dirOn(h);
    if (h.kind === "v2") {
      paths[UNIFIED] = dir;
      unifiedMount = h.mountpoint;
    } else {
      for (const c of h.controllers) paths[c] = dir;
    }
  }
  return { paths, unifiedMount };
}

// --systemd-cgroup: the container's cgroup is a transient unit that apply() asks systemd for.
// On a v1 or hybrid host systemd runs the v1 hierarchies too: the unit's cgroup has the same
// path in each (systemd makes it in those it manages, apply() in the others), as with runc.
function systemdManager(opts: CreateOptions, mode: CgroupMode, hierarchies: Hierarchy[]): CgroupManager {
  const rootless = opts.rootless === true;
  // A user's own systemd gets a delegated subtree on cgroup v2 only (runc refuses it as well).
  if (rootless && mode !== "v2") throw new SkiffError("InvalidConfig", `--systemd-cgroup: a rootless container needs a cgroup v2 host (this one is ${mode}); drop --systemd-cgroup`);
  if (!exists("/run/systemd/system")) throw new SkiffError("InvalidConfig", "systemd not running on this host, cannot use systemd cgroups manager");
  const unit = systemdUnitOf(opts.cgroupsPath, opts.id, rootless ? "user.slice" : "system.slice");
  const unitDirOn = (h: Hierarchy, managerCgroup = "/") => directoryOn(h, { path: path.join(managerCgroup, unit.cgroup), absolute: true }, "/");
  const { paths, unifiedMount } = pathsOn(hierarchies, (h) => unitDirOn(h));
  // A rootless unit lives in the user's systemd, whose own cgroup (user@UID.service) apply()
  // asks for: until then the directory is unknown.
  if (rootless) delete paths[UNIFIED];
  debug("systemd unit %s in %s: %o", unit.unit, unit.slice, paths);
  const saved: SavedCgroups = { version: 1, mode, paths, unifiedMount, created: [], rootless: rootless || undefined, systemd: { unit: unit.unit, slice: unit.slice } };
  // Checked now, before anything is made: a bad annotation fails create at once.
  const extra = annotationProperties(opts.annotations);
  const unified = hierarchies.find((h) => h.kind === "v2");
  const inUserManager = (managerCgroup: string) => unitDirOn(unified!, managerCgroup); // rootless: a v2 host (above)
  return new FsManager(saved, { id: opts.id, resources: opts.resources ?? {}, extra, inUserManager });
}

export function loadCgroupManager(saved: SavedCgroups): CgroupManager {
  if (saved.version !== 1) throw new SkiffError("Internal", `unknown saved cgroup state version ${String(saved.version)}`);
  return new FsManager(saved);
}


/** Where `pid` sits on a v2 host's cgroup2 tree (absent elsewhere, or when it is gone). */
function v2DirOf(pid: number | "self", mountinfo: string): string | undefined {
  const hierarchies = parseCgroupMounts(mountinfo);
  const h = hierarchies.find((x) => x.kind === "v2");
  if (h === undefined || modeOf(hierarchies) !== "v2") return undefined;
  let text: string;
  try {
    text = readFileThroughLibc(`/proc/${pid}/cgroup`);
  } catch {
    return undefined;
  }
  return ownDirOn(parseProcCgroup(text), h);
}

/**
 * Moves an exec's helper into `saved`'s cgroups, so that the process it forks is born there. As
 * runc: on cgroup v2 a cgroup that enables domain controllers for its children takes no process
 * (EBUSY), and then the init's own cgroup does (one the container made below its own), unless
 * the caller chose the cgroup (`initPid` undefined: exec --cgroup).
 */
export async function joinForExec(saved: SavedCgroups, pid: number, initPid: number | undefined, mountinfo: string): Promise<void> {
  try {
    await loadCgroupManager(saved).apply(pid);
  } catch (e) {
    const container = saved.paths[UNIFIED];
    if (saved.mode !== "v2" || container === undefined || initPid === undefined || errnoOf(e) !== EBUSY) throw e;
    const initDir = v2DirOf(initPid, mountinfo);
    if (initDir === undefined || initDir === container || !initDir.startsWith(container + "/")) throw e;
    debug("%s takes no process (EBUSY): joining the init's cgroup %s", container, initDir);
    await loadCgroupManager({ ...saved, paths: { [UNIFIED]: initDir } }).apply(pid);
  }
}

/**
 * For an exec's helper that stays to report the exit status: the calling process's own
 * cgroup.procs on a v2 host, opened for writing, to which the helper moves once it has forked
 * (OP_FORK). On cgroup v2 a process left in the container's cgroup would keep the container from
 * enabling controllers for its sub-cgroups (the "no internal processes" rule: EBUSY). Undefined
 * elsewhere, and where the caller may not write its own cgroup (rootless): the helper then stays.
 */
export function openOwnCgroupProcs(mountinfo: string): number | undefined {
  const own = v2DirOf("self", mountinfo);
  if (own === undefined) return undefined;
  try {
    return open(path.join(own, "cgroup.procs"), O_WRONLY);
  } catch (e) {
    debug("the exec helper will stay in the container's cgroup: %s", (e as Error).message);
    return undefined;
  }
}
