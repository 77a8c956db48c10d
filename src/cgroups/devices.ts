// The device rules runc appends after a config's own linux.resources.devices, so that the
// devices every container gets (/dev/null, ttys, ...) and those listed in linux.devices stay
// usable under a "deny all" rule. The caller builds the full list:
//   [...(resources.devices ?? []), ...defaultDeviceRules(linux.devices)]
import type { Device, DeviceCgroupRule } from "../spec/types.js";

const rwm = "rwm";
const RUNC_DEFAULTS: DeviceCgroupRule[] = [
  { allow: true, type: "c", access: "m" }, // mknod of any character device (use stays denied)
  { allow: true, type: "b", access: "m" }, // mknod of any block device
  { allow: true, type: "c", major: 1, minor: 3, access: rwm }, // /dev/null
  { allow: true, type: "c", major: 1, minor: 8, access: rwm }, // /dev/random
  { allow: true, type: "c", major: 1, minor: 7, access: rwm }, // /dev/full
  { allow: true, type: "c", major: 5, minor: 0, access: rwm }, // /dev/tty
  { allow: true, type: "c", major: 1, minor: 5, access: rwm }, // /dev/zero
  { allow: true, type: "c", major: 1, minor: 9, access: rwm }, // /dev/urandom
  { allow: true, type: "c", major: 136, access: rwm }, // /dev/pts/*
  { allow: true, type: "c", major: 5, minor: 2, access: rwm }, // /dev/ptmx
  { allow: true, type: "c", major: 10, minor: 200, access: rwm }, // /dev/net/tun
];

export function defaultDeviceRules(linuxDevices: Device[] = []): DeviceCgroupRule[] {
  const fromConfig = linuxDevices
    .filter((d) => d.type !== "p") // fifos are not subject to the device cgroup
    .map((d): DeviceCgroupRule => ({ allow: true, type: d.type === "b" ? "b" : "c", major: d.major, minor: d.minor, access: rwm }));
  return [...RUNC_DEFAULTS.map((r) => ({ ...r })), ...fromConfig];
}
