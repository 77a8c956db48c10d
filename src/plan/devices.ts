// linux.devices plus the spec's default devices → the device nodes to create in the container.
// How a node is made (mknod, or a bind mount from the host where mknod is not permitted, as in a
// user namespace) is the executor's business; this decides which nodes, with what numbers,
// mode and owner.
import * as path from "node:path";
import { SkiffError } from "../errors.js";
import type { Device, Spec } from "../spec/types.js";

export interface DeviceNode {
  path: string;
  /** "u" (unbuffered character device) is a character device for mknod. */
  type: "c" | "b" | "p";
  major: number;
  minor: number;
  /** Permission bits (file type bits stripped); applied exactly, whatever the umask. */
  mode: number;
  uid: number;
  gid: number;
}

/** config-linux.md "Default Devices" (/dev/console and /dev/ptmx are mounts, made elsewhere). */
export const DEFAULT_DEVICES: readonly DeviceNode[] = [
  { path: "/dev/null", type: "c", major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/zero", type: "c", major: 1, minor: 5, mode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/full", type: "c", major: 1, minor: 7, mode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/random", type: "c", major: 1, minor: 8, mode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/urandom", type: "c", major: 1, minor: 9, mode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/tty", type: "c", major: 5, minor: 0, mode: 0o666, uid: 0, gid: 0 },
];

const S_IFMT = 0o170000;
const S_IFCHR = 0o020000, S_IFBLK = 0o060000, S_IFIFO = 0o010000;
// The kernel's dev_t for mknod holds a 12-bit major and a 20-bit minor.
const MAX_MAJOR = 0xfff, MAX_MINOR = 0xfffff;
const MAX_ID = 0xffffffff;

/** mknod(2)'s mode argument: file type and permission bits. */
export function mknodMode(node: DeviceNode): number {
  return (node.type === "c" ? S_IFCHR : node.type === "b" ? S_IFBLK : S_IFIFO) | node.mode;
}

/** mknod(2)'s dev argument for the kernel's encoding (new_encode_dev). */
export function deviceNumber(major: number, minor: number): number {
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

function uintField(value: number | undefined, max: number, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new SkiffError("InvalidConfig", `${field}: must be an integer from 0 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function deviceNode(d: Device, i: number): DeviceNode {
  const field = `linux.devices[${i}]`;
  if (!["c", "b", "u", "p"].includes(d.type)) {
    throw new SkiffError("InvalidConfig", `${field}.type: must be one of c, b, u, p, got ${JSON.stringify(d.type)}`);
  }
  if (typeof d.path !== "string" || !path.posix.isAbsolute(d.path) || path.posix.normalize(d.path) === "/") {
    throw new SkiffError("InvalidConfig", `${field}.path: must be an absolute path below /, got ${JSON.stringify(d.path)}`);
  }
  const fifo = d.type === "p";
  for (const key of ["major", "minor"] as const) {
    if (!fifo && d[key] === undefined) throw new SkiffError("InvalidConfig", `${field}.${key}: required for type "${d.type}"`);
  }
  return {
    path: path.posix.normalize(d.path),
    type: d.type === "u" ? "c" : d.type,
    major: fifo ? 0 : uintField(d.major, MAX_MAJOR, 0, `${field}.major`),
    minor: fifo ? 0 : uintField(d.minor, MAX_MINOR, 0, `${field}.minor`),
    // fileMode is a full st_mode to some writers: keep only what chmod would (as runc does).
    mode: uintField(d.fileMode, MAX_ID, 0o666, `${field}.fileMode`) & ~S_IFMT,
    uid: uintField(d.uid, MAX_ID, 0, `${field}.uid`),
    gid: uintField(d.gid, MAX_ID, 0, `${field}.gid`),
  };
}

/** The default devices followed by linux.devices; a configured path replaces the default one. */
export function deviceNodes(spec: Spec): DeviceNode[] {
  const configured = (spec.linux?.devices ?? []).map(deviceNode);
  const seen = new Set<string>();
  configured.forEach((node, i) => {
    if (seen.has(node.path)) throw new SkiffError("InvalidConfig", `linux.devices[${i}].path: ${JSON.stringify(node.path)} is listed twice`);
    seen.add(node.path);
  });
  return [...DEFAULT_DEVICES.filter((d) => !seen.has(d.path)), ...configured];
}
