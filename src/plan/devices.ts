// linux.devices plus the spec's default devices → the device nodes to create in the container.
// How a node is made (mknod, or a bind mount from the host where mknod is not permitted, as in a
// user namespace) is the executor's business; this decides which nodes, with what numbers,
// mode and owner.
import * as path from "../posix-path.js";
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

/** mknod(2)'s mode argument: file type and permission bits. */
export function mknodMode(node: DeviceNode): number {
  return (node.type === "c" ? S_IFCHR : node.type === "b" ? S_IFBLK : S_IFIFO) | node.mode;
}

/** mknod(2)'s dev argument for the kernel's encoding (new_encode_dev). */
export function deviceNumber(major: number, minor: number): number {
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

// spec/ has checked every field: the type, a path below /, device numbers in the kernel's range
// (and present for all but a FIFO), no path listed twice.
function deviceNode(d: Device): DeviceNode {
  const fifo = d.type === "p";
  return {
    path: path.normalize(d.path),
    type: d.type === "u" ? "c" : d.type,
    major: fifo ? 0 : (d.major ?? 0),
    minor: fifo ? 0 : (d.minor ?? 0),
    // fileMode is a full st_mode to some writers: keep only what chmod would (as runc does).
    mode: (d.fileMode ?? 0o666) & ~S_IFMT,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
  };
}

/** The default devices followed by linux.devices; a configured path replaces the default one. */
export function deviceNodes(spec: Spec): DeviceNode[] {
  const configured = (spec.linux?.devices ?? []).map(deviceNode);
  const paths = new Set(configured.map((node) => node.path));
  return [...DEFAULT_DEVICES.filter((d) => !paths.has(d.path)), ...configured];
}
