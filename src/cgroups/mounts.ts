// Which cgroup hierarchies the host has mounted, from /proc/self/mountinfo, and which cgroup
// the calling process sits in on each, from /proc/self/cgroup. Pure text parsing: the files are
// read by the callers so every rule here is unit-testable with sample texts.
import { SkiffError } from "../errors.js";

export type CgroupMode = "v1" | "hybrid" | "v2";

/** One mounted hierarchy. v1 hierarchies carry their controllers ("cpu", "cpuacct", "name=systemd"). */
export interface Hierarchy {
  kind: "v1" | "v2";
  /** v1: the controllers mounted together (e.g. ["cpu", "cpuacct"]); v2: empty. */
  controllers: string[];
  /** Where it is mounted. */
  mountpoint: string;
  /** The cgroup this mount shows as its root (mountinfo field 4; "/" for a whole-tree mount). */
  mountRoot: string;
}

// Mount options that are not controller names on a v1 cgroup mount.
const NON_CONTROLLER_OPTIONS = new Set(["rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode", "favordynmods"]);

/**
 * Every cgroup hierarchy in a mountinfo text, one entry per hierarchy (the first mount of each
 * wins: later ones are bind mounts or container views of the same tree).
 */
export function parseCgroupMounts(mountinfo: string): Hierarchy[] {
  const found: Hierarchy[] = [];
  const seen = new Set<string>();
  for (const line of mountinfo.split("\n")) {
    // Fields: id parent major:minor root mountpoint options [optional...] - fstype source superopts
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const before = line.slice(0, dash).split(" ");
    const after = line.slice(dash + 3).split(" ");
    const fstype = after[0];
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    const mountRoot = unescapeMountinfo(before[3] ?? "/");
    const mountpoint = unescapeMountinfo(before[4] ?? "");
    if (fstype === "cgroup2") {
      if (seen.has("")) continue;
      seen.add("");
      found.push({ kind: "v2", controllers: [], mountpoint, mountRoot });
      continue;
    }
    const controllers = (after[2] ?? "")
      .split(",")
      .filter((o) => o !== "" && !NON_CONTROLLER_OPTIONS.has(o) && !o.startsWith("release_agent="))
      .sort();
    const key = controllers.join(",");
    if (controllers.length === 0 || seen.has(key)) continue;
    seen.add(key);
    found.push({ kind: "v1", controllers, mountpoint, mountRoot });
  }
  return found;
}

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
export function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * The host's cgroup mode: "v2" when the unified hierarchy is the only one (mounted at
 * /sys/fs/cgroup or with no v1 hierarchy beside it), "hybrid" when v1 controller hierarchies and
 * a cgroup2 tree (usually /sys/fs/cgroup/unified) coexist, "v1" when there is no cgroup2 mount.
 */
export function modeOf(hierarchies: Hierarchy[]): CgroupMode {
  const hasV2 = hierarchies.some((h) => h.kind === "v2");
  const v1Controllers = hierarchies.some((h) => h.kind === "v1" && h.controllers.some((c) => !c.startsWith("name=")));
  if (!hasV2 && hierarchies.length === 0) {
    throw new SkiffError("Internal", "no cgroup hierarchy is mounted (no cgroup or cgroup2 entry in /proc/self/mountinfo)");
  }
  if (!hasV2) return "v1";
  return v1Controllers ? "hybrid" : "v2";
}

/** One line of /proc/self/cgroup: "4:memory:/process_api/x" or "0::/" (the unified hierarchy). */
export interface OwnCgroup {
  /** Controllers of a v1 hierarchy, sorted ("name=systemd" for named ones); empty for cgroup2. */
  controllers: string[];
  path: string;
}

export function parseProcCgroup(text: string): OwnCgroup[] {
  const out: OwnCgroup[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const list = line.slice(first + 1, second);
    out.push({ controllers: list === "" ? [] : list.split(",").sort(), path: line.slice(second + 1) });
  }
  return out;
}

/**
 * A cgroup path (from the hierarchy's root) as a mount of `mountRoot` shows it: "/" for the
 * mount's own root; undefined when the path lies outside what the mount shows.
 */
export function pathUnderMount(p: string, mountRoot: string): string | undefined {
  if (mountRoot === "/" || mountRoot === "") return p;
  if (p === mountRoot) return "/";
  return p.startsWith(mountRoot + "/") ? p.slice(mountRoot.length) : undefined;
}

/** The calling process's cgroup (as /proc/self/cgroup says it) on the given hierarchy. */
export function ownPathOn(own: OwnCgroup[], h: Hierarchy): string | undefined {
  const key = h.controllers.join(",");
  return own.find((o) => o.controllers.join(",") === key)?.path;
}

/**
 * The directory of a process's cgroup (`own`: its /proc/PID/cgroup, parsed) on hierarchy `h`;
 * undefined when it has none there or the mount does not show it.
 */
export function ownDirOn(own: OwnCgroup[], h: Hierarchy): string | undefined {
  const mine = ownPathOn(own, h);
  const rel = mine === undefined ? undefined : pathUnderMount(mine, h.mountRoot);
  if (rel === undefined) return undefined;
  return rel === "/" ? h.mountpoint : `${h.mountpoint}${rel}`;
}
