// The cgroup manager itself: one class over v1, hybrid and v2 directories (plain file writes),
// and over a systemd unit when the systemd driver made the cgroup. index.ts creates and loads it.
import * as path from "../posix-path.js";
import { SkiffError } from "../errors.js";
import { readOwnMountinfo } from "../host/mountinfo.js";
import { EBUSY, ENOENT, ENOTEMPTY, errnoOf } from "../linux/errno.js";
import { readTextThroughLibc } from "../linux/io.js";
import * as libc from "../linux/libc.js";
import { trace } from "../log.js";
import type { LinuxResources } from "../spec/types.js";
import { allSettledOrThrow, exists, mkdirTracked, pidsUnder, readCgroupFile, removeCgroupTree, writeCgroupFile, writeCgroupFileAsync } from "./files.js";
import { parseCgroupMounts, type CgroupMode } from "./mounts.js";
import { directoriesBetween } from "./paths.js";
import { baseProperties, resourceProperties, type UnitProperty } from "./systemd.js";
import type { CgroupStats } from "./stats.js";
import { cgroupMovesWait } from "./grace-period.js";
import { freezeV1, oomKillsV1, setV1, statsV1, type V1Paths } from "./v1.js";
import { BASELINE_CONTROLLERS, controllersFor, enableControllers, freezeV2, oomKillsV2, setV2, statsV2 } from "./v2.js";
import type { CgroupManager, ContainerHierarchy, SavedCgroups } from "./index.js";
import { isFrozen, UNIFIED } from "./frozen.js";

const debug = trace.extend("cgroups");

export { UNIFIED } from "./frozen.js";

/** Deep merge for `update`: objects field by field, lists and scalars replaced. */
export function mergeResources(base: LinuxResources | undefined, changes: LinuxResources): LinuxResources {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b === undefined) return a;
    if (!isPlainObject(a) || !isPlainObject(b)) return b;
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
    return out;
  };
  return merge(base ?? {}, changes) as LinuxResources;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// EPERM, EACCES, EROFS: what a rootless caller meets in a cgroup tree it does not own.
function isPermissionError(e: unknown): boolean {
  return e instanceof SkiffError && e.errno !== undefined && [1, 13, 30].includes(e.errno);
}

/** What apply() needs to start a new container's systemd unit. */
export interface NewUnit {
  id: string;
  resources: LinuxResources;
  /** From the `org.systemd.property.*` annotations. */
  extra: UnitProperty[];
  /** A rootless unit's directory, given the cgroup of the user's systemd. */
  inUserManager(managerCgroup: string): string;
}

export class FsManager implements CgroupManager {
  readonly mode: CgroupMode;
  readonly saved: SavedCgroups;

  /**
   * @param newUnit the systemd unit apply() must start (a new container under the systemd
   * driver); absent, apply() joins the cgroup that exists.
   */
  constructor(
    saved: SavedCgroups,
    private readonly newUnit?: NewUnit,
  ) {
    this.saved = saved;
    this.mode = saved.mode;
  }

  /** v1 controller paths (hybrid: the v1 side, which holds the limits). */
  private get v1Paths(): V1Paths {
    const { [UNIFIED]: _unified, ...rest } = this.saved.paths;
    return rest;
  }

  private get unifiedDir(): string {
    const dir = this.saved.paths[UNIFIED];
    if (dir === undefined) throw new SkiffError("InvalidState", "this container has no cgroup (rootless, and the user had no cgroup it could write)");
    return dir;
  }

  /** A rootless container on cgroup v2 may have none: the user had no cgroup it could write. */
  private get unifiedDirIfAny(): string | undefined {
    return this.mode === "v2" ? this.saved.paths[UNIFIED] : undefined;
  }

  /** One entry per hierarchy (co-mounted v1 controllers share a directory). */
  private get directories(): string[] {
    return [...new Set(Object.values(this.saved.paths))];
  }

  missingDirectories(): string[] {
    if (this.saved.systemd) return []; // systemd makes the unit's cgroup
    return this.directories.flatMap((dir) => directoriesBetween(hierarchyMountOf(this.saved, dir), dir).filter((d) => !libc.exists(d)));
  }

  async create({ onPool = cgroupMovesWait() } = {}): Promise<void> {
    if (this.saved.systemd) return; // apply() starts the unit, which makes the cgroup
    await this.makeDirectories(onPool);
    const dir = this.unifiedDirIfAny;
    if (dir !== undefined) enableControllers(this.saved.unifiedMount ?? mountpointOf(dir), dir, BASELINE_CONTROLLERS, new Map(), { passOnBelowRoot: true });
  }

  /** Every hierarchy's directory that is missing, with its parents. */
  private async makeDirectories(onPool = cgroupMovesWait()): Promise<void> {
    const make = async (dir: string) => {
      const between = directoriesBetween(hierarchyMountOf(this.saved, dir), dir);
      if (!libc.exists(dir)) {
        try {
          await mkdirTracked(between, this.saved.created, onPool);
        } catch (e) {
          if (!this.saved.rootless || !isPermissionError(e)) throw e;
          // Rootless: a hierarchy we may not write is skipped, as runc does; set() then reports
          // any limit that would have needed it.
          debug("rootless: no cgroup %s (%s)", dir, (e as Error).message);
          for (const [key, d] of Object.entries(this.saved.paths)) if (d === dir) delete this.saved.paths[key];
          return;
        }
      }
      // Every empty v1 cpuset on the way, also one made by someone else (a pod's parent), gets
      // its parent's cpus and mems (runc's rule): nothing can join below an empty one.
      if (this.saved.paths.cpuset === dir) between.forEach(inheritCpuset);
    };
    // Every hierarchy at once; each one's directories parents first.
    await allSettledOrThrow(this.directories.map(make));
  }

  async apply(pid: number): Promise<void> {
    if (this.saved.systemd && this.newUnit) {
      await this.startUnit(this.saved.systemd, pid, this.newUnit);
      if (this.mode === "v2") return;
      // v1: systemd made the unit's cgroup only in the hierarchies it manages (cpu, memory,
      // pids, blkio, devices…); the others (cpuset, freezer, net_cls…) are made here, and the
      // process joins every one, as runc does.
      await this.makeDirectories();
    }
    const join = async (dir: string) => {
      try {
        await writeCgroupFileAsync(dir, "cgroup.procs", String(pid), `joining cgroup ${dir}`);
      } catch (e) {
        if (!this.saved.rootless || !isPermissionError(e)) throw e;
      }
    };
    // All at once: the first move pays the kernel's wait, the others follow it. No write is
    // still in flight when this settles (a failed create removes the cgroups).
    await allSettledOrThrow(this.directories.map(join));
  }

  delegate(uid: number): void {
    const dir = this.unifiedDirIfAny;
    if (dir === undefined) return;
    debug("delegating %s to uid %d", dir, uid);
    // The kernel names the files a delegatee needs (Linux 4.15+); before, cgroups(7)'s three.
    const listed = readTextThroughLibc("/sys/kernel/cgroup/delegate");
    const files = listed === undefined ? ["cgroup.procs", "cgroup.subtree_control", "cgroup.threads"] : listed.split("\n").filter(Boolean);
    try {
      libc.chown(dir, uid, -1);
      for (const f of files) {
        try {
          libc.chown(path.join(dir, f), uid, -1);
        } catch (e) {
          if (errnoOf(e) !== ENOENT) throw e; // a file this kernel's controllers lack
        }
      }
    } catch (e) {
      // Rootless: a uid other than the caller's own is not the caller's to give.
      if (!this.saved.rootless || !isPermissionError(e)) throw e;
      debug("rootless: %s not delegated (%s)", dir, (e as Error).message);
    }
  }

  set(resources: LinuxResources): void {
    if (this.mode === "v2") {
      const dir = this.saved.paths[UNIFIED];
      if (dir === undefined) {
        // Rootless without a writable cgroup: fine without limits, a clear refusal with one.
        const [field] = controllersFor(resources).values();
        if (field !== undefined) throw new SkiffError("InvalidConfig", `${field}: a rootless container needs a cgroup it can write for this limit (a delegated cgroup v2 subtree, or --systemd-cgroup with your user's systemd); this user has none here`);
        return;
      }
      setV2(this.saved.unifiedMount ?? mountpointOf(dir), dir, resources);
    } else {
      setV1(this.v1Paths, resources, this.saved.created);
    }
    this.saved.resources = mergeResources(this.saved.resources, resources);
  }

  async update(changes: LinuxResources): Promise<void> {
    // Devices are not re-applied unless asked: rewriting the list would briefly deny devices
    // to the running container.
    const merged = mergeResources(this.saved.resources, changes);
    const unit = this.saved.systemd;
    // On v1 systemd applies DeviceAllow by rewriting the devices cgroup from "deny all": a
    // process opening /dev/null meanwhile gets EPERM. Frozen, none can (runc freezes too).
    const freeze = unit !== undefined && this.mode !== "v2" && merged.devices !== undefined && this.canFreeze() && !(await this.isFrozen());
    if (freeze) this.freeze();
    try {
      if (unit) {
        // runc's order: the unit's properties first (systemd writes them to the files), then the
        // files, which also carry what has no property.
        await withSystemd(this.saved, async (bus) => bus.setProperties(unit.unit, resourceProperties(merged, await bus.version(), this.mode !== "v2")));
      }
      this.set(changes.devices ? merged : { ...merged, devices: undefined });
    } finally {
      if (freeze) this.thaw();
    }
    this.saved.resources = merged;
  }

  // A transient scope (or slice) holding `pid`, with Delegate=yes and the resources as unit
  // properties (runc's Apply and Set); the controllers the unit lacks are then enabled as on
  // any v2 path, and set() writes the files.
  private async startUnit(unit: NonNullable<SavedCgroups["systemd"]>, pid: number, init: NewUnit): Promise<void> {
    debug("starting %s in %s", unit.unit, unit.slice);
    await withSystemd(this.saved, async (bus) => {
      // What the start needs goes out at once: one round trip to systemd, not three or four.
      const [managerCgroup, version] = await Promise.all([this.saved.rootless ? bus.managerControlGroup() : undefined, bus.version(), bus.subscribe()]);
      // The user's slices hang below its manager's own cgroup (/user.slice/user-UID.slice/user@UID.service), as runc finds them.
      if (managerCgroup !== undefined) this.saved.paths[UNIFIED] = init.inUserManager(managerCgroup);
      // The annotations before the resources: where both set a property, the resources win, as
      // with runc (which sets the resources after starting the unit with the annotations).
      const legacy = this.mode !== "v2";
      const properties = [...baseProperties(unit, init.id, pid, legacy), ...init.extra, ...resourceProperties(init.resources, version, legacy)];
      await bus.startUnit(unit.unit, properties);
    });
    if (this.mode === "v2") enableControllers(this.saved.unifiedMount ?? mountpointOf(this.unifiedDir), this.unifiedDir, BASELINE_CONTROLLERS, new Map());
  }

  canFreeze(): boolean {
    return (this.mode === "v2" ? this.saved.paths[UNIFIED] : this.saved.paths.freezer) !== undefined;
  }

  freeze(): void {
    this.setFrozen(true);
  }

  thaw(): void {
    this.setFrozen(false);
  }

  private setFrozen(frozen: boolean): void {
    if (this.mode === "v2") return freezeV2(this.unifiedDir, frozen);
    const dir = this.saved.paths.freezer;
    if (dir === undefined) throw new SkiffError("InvalidState", "pausing needs the freezer cgroup controller, which this host does not mount");
    freezeV1(dir, frozen);
  }

  isFrozen(): Promise<boolean> {
    return isFrozen(this.saved);
  }

  pids(): number[] {
    const p = this.saved.paths;
    const dir = this.mode === "v2" ? this.unifiedDirIfAny : p.freezer ?? p.pids ?? p.memory ?? p.cpu ?? p[UNIFIED] ?? this.directories[0];
    return dir === undefined ? [] : pidsUnder(dir);
  }

  killThroughCgroup(): boolean {
    const dir = this.unifiedDirIfAny;
    if (dir === undefined || !exists(dir, "cgroup.kill")) return false;
    writeCgroupFile(dir, "cgroup.kill", "1", "kill --all");
    return true;
  }

  stats(): CgroupStats {
    return this.mode === "v2" ? statsV2(this.unifiedDir) : statsV1(this.v1Paths);
  }

  oomKills(): number {
    if (this.mode === "v2") {
      const dir = this.unifiedDirIfAny;
      return dir === undefined ? 0 : oomKillsV2(dir);
    }
    const dir = this.saved.paths.memory;
    return dir === undefined ? 0 : oomKillsV1(dir);
  }

  hierarchies(): ContainerHierarchy[] {
    return hierarchiesOf(this.saved);
  }

  async destroy(): Promise<void> {
    const unit = this.saved.systemd;
    if (unit) {
      await withSystemd(this.saved, (bus) => bus.stopUnit(unit.unit));
      // Stopping removes the unit's cgroup; what a container made inside it may remain, and on
      // v1 the directories apply() made in the hierarchies systemd does not manage.
      this.directories.forEach(removeCgroupTree);
      return;
    }
    const leaves = new Set(this.directories);
    const errors: string[] = [];
    const remaining: string[] = [];
    for (const dir of [...this.saved.created].reverse()) {
      try {
        if (leaves.has(dir)) removeCgroupTree(dir);
        else libc.rmdir(dir); // a parent we made: another container may be using it now
      } catch (e) {
        const errno = errnoOf(e);
        if (errno === ENOENT) continue;
        remaining.unshift(dir);
        if (errno === ENOTEMPTY || errno === EBUSY) continue;
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    this.saved.created = remaining;
    if (errors.length > 0) throw new SkiffError("Syscall", `removing cgroups: ${errors.join("; ")}`);
  }
}

/**
 * One D-Bus connection for `work` (the library loads only here: the systemd driver's commands):
 * to the system's systemd, or a rootless container's user's own.
 */
async function withSystemd<T>(saved: SavedCgroups, work: (bus: import("./systemd-bus.js").SystemdBus) => Promise<T>): Promise<T> {
  const { SystemdBus } = await import("./systemd-bus.js");
  const bus = new SystemdBus(saved.rootless ? "user" : "system");
  try {
    return await work(bus);
  } finally {
    bus.close();
  }
}

function hierarchiesOf(saved: SavedCgroups): ContainerHierarchy[] {
  const byDir = new Map<string, string[]>();
  for (const [key, dir] of Object.entries(saved.paths)) {
    const list = byDir.get(dir) ?? [];
    if (key !== UNIFIED) list.push(key);
    byDir.set(dir, list);
  }
  return [...byDir].map(([dir, controllers]) => {
    const mountpoint = hierarchyMountOf(saved, dir);
    return { name: saved.mode === "v2" ? "" : path.basename(mountpoint), dir, controllers: controllers.sort() };
  });
}

let hostMountpoints: string[] | undefined;

// The hierarchy root that holds `dir`: the deepest cgroup mountpoint above it. The host's
// cgroup mounts are read once per process (create() asks once per hierarchy).
/** The mountpoint of the hierarchy holding one of the container's directories. */
function hierarchyMountOf(saved: SavedCgroups, dir: string): string {
  return dir === saved.paths[UNIFIED] && saved.unifiedMount ? saved.unifiedMount : mountpointOf(dir);
}

function mountpointOf(dir: string): string {
  const mounts = (hostMountpoints ??= parseCgroupMounts(readOwnMountinfo()).map((h) => h.mountpoint));
  const best = mounts.filter((m) => dir === m || dir.startsWith(m + "/")).sort((a, b) => b.length - a.length)[0];
  if (best === undefined) throw new SkiffError("Internal", `${dir} is not inside a mounted cgroup hierarchy`);
  return best;
}

// A new v1 cpuset cgroup starts with empty cpus and mems, and joining it fails until they are
// set: give it its parent's (when empty), so the container may use what its parent may.
function inheritCpuset(dir: string): void {
  const parent = path.dirname(dir);
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    const inherited = readCgroupFile(parent, file).trim();
    if (readCgroupFile(dir, file).trim() === "" && inherited !== "") writeCgroupFile(dir, file, inherited, `copying ${file} from ${parent}`);
  }
}
