// Where a container's cgroup goes on each hierarchy. Pure functions.
//
// linux.cgroupsPath, as runc's cgroupfs driver reads it:
// - absolute ("/a/b"): that path from the root of each hierarchy;
// - relative ("a/b"): on a v1 hierarchy, under the cgroup the calling process is in there (per
//   hierarchy: this machine's test processes sit in memory:/process_api/<hash> but cpu:/); on a
//   pure v2 host, under the *parent* of the caller's cgroup, as runc's fs2 driver does: the
//   caller's own cgroup holds processes (a service, a login scope), so by the no-internal-
//   processes rule it can have no controllers for children, and enabling threaded ones there
//   (cpu, pids) would turn it "domain threaded" and its children invalid;
// - absent: the relative path "<id>". That is what runc does (runc 1.1 puts container "x" in
//   memory:/process_api/<hash>/x and cpu:/x on a hybrid host, and beside the calling service,
//   /system.slice/x, on a v2 host), so skiff users see the same tree.
// - systemd's "slice:prefix:name" form is refused: it belongs to --systemd-cgroup (systemd.ts).
import * as path from "../posix-path.js";
import { SkiffError } from "../errors.js";
import { pathUnderMount, type CgroupMode, type Hierarchy } from "./mounts.js";

export interface Placement {
  /** The cleaned cgroupsPath: starts with "/" when absolute. */
  path: string;
  absolute: boolean;
}

const SYSTEMD_PATH = /^[^/:]*:[^:]*:[^:]*$/;

export function placementOf(cgroupsPath: string | undefined, id: string): Placement {
  const raw = cgroupsPath === undefined || cgroupsPath === "" ? id : cgroupsPath;
  if (SYSTEMD_PATH.test(raw)) {
    throw new SkiffError(
      "InvalidConfig",
      `linux.cgroupsPath ${JSON.stringify(raw)} is a systemd "slice:prefix:name" path: pass --systemd-cgroup to use the systemd cgroup driver, or give a cgroupfs path such as "/${id}" or "${id}"`,
    );
  }
  const absolute = raw.startsWith("/");
  // Cleaning against "/" drops "." and any ".." that would climb out of the hierarchy.
  const cleaned = path.normalize("/" + raw).replace(/\/+$/, "");
  if (cleaned === "") {
    throw new SkiffError("InvalidConfig", `linux.cgroupsPath ${JSON.stringify(raw)} names the cgroup root; a container needs its own cgroup`);
  }
  return { path: absolute ? cleaned : cleaned.slice(1), absolute };
}

/**
 * Where a relative cgroupsPath starts on one hierarchy: the caller's cgroup `own` there, or its
 * parent on a pure v2 host (see the top of this file).
 */
export function relativeBase(mode: CgroupMode, h: Hierarchy, own: string | undefined): string {
  const base = own ?? "/";
  return mode === "v2" && h.kind === "v2" ? path.dirname(base) : base;
}

/**
 * The container's directory on one hierarchy. `base` (relativeBase) is relative to the cgroup
 * namespace root; the mount may show a subtree (mountRoot), whose prefix is then stripped.
 */
export function directoryOn(h: Hierarchy, placement: Placement, base: string): string {
  const inTree = placement.absolute ? placement.path : path.join(base, placement.path);
  return path.join(h.mountpoint, pathUnderMount(inTree, h.mountRoot) ?? inTree);
}

/** Every directory from the hierarchy's mountpoint down to `dir`, top first (mountpoint excluded). */
export function directoriesBetween(mountpoint: string, dir: string): string[] {
  const rel = path.relative(mountpoint, dir);
  // Outside the mount: "..", or "../" and more; a name that only begins with dots ("...", a
  // valid container id) is inside.
  if (rel === "" || rel === ".." || rel.startsWith("../")) return [];
  const out: string[] = [];
  let cur = mountpoint;
  for (const part of rel.split("/")) {
    cur = path.join(cur, part);
    out.push(cur);
  }
  return out;
}
