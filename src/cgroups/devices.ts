// The device rules runc appends after a config's own linux.resources.devices, so that the
// devices every container gets (/dev/null, ttys, ...) stay usable under a "deny all" rule.
// Devices listed in linux.devices get a node but no rule: the config's own rules decide their
// use (runc's behaviour, which its tests rely on). The caller builds the full list:
//   [...(resources.devices ?? []), ...defaultDeviceRules(linux.devices)]
import type { Device, DeviceCgroupRule } from "../spec/types.js";

const rwm = "rwm";
const RUNC_DEFAULTS: (DeviceCgroupRule & { path?: string })[] = [
  { allow: true, type: "c", access: "m" }, // mknod of any character device (use stays denied)
  { allow: true, type: "b", access: "m" }, // mknod of any block device
  { allow: true, type: "c", major: 1, minor: 3, access: rwm, path: "/dev/null" },
  { allow: true, type: "c", major: 1, minor: 8, access: rwm, path: "/dev/random" },
  { allow: true, type: "c", major: 1, minor: 7, access: rwm, path: "/dev/full" },
  { allow: true, type: "c", major: 5, minor: 0, access: rwm, path: "/dev/tty" },
  { allow: true, type: "c", major: 1, minor: 5, access: rwm, path: "/dev/zero" },
  { allow: true, type: "c", major: 1, minor: 9, access: rwm, path: "/dev/urandom" },
  { allow: true, type: "c", major: 136, access: rwm }, // /dev/pts/*
  { allow: true, type: "c", major: 5, minor: 2, access: rwm }, // /dev/ptmx
  { allow: true, type: "c", major: 10, minor: 200, access: rwm }, // /dev/net/tun
];

/** runc's defaults, less those whose path linux.devices lists again (that entry replaces them). */
export function defaultDeviceRules(linuxDevices: Device[] = []): DeviceCgroupRule[] {
  const replaced = new Set(linuxDevices.map((d) => d.path));
  return RUNC_DEFAULTS.filter((r) => r.path === undefined || !replaced.has(r.path)).map(({ path: _path, ...rule }) => rule);
}
