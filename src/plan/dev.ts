// The container's /dev: device nodes (config-linux.md "Devices", default devices) and the
// standard symlinks, unless the config bind-mounts a /dev of its own.
import type { Spec } from "../spec/types.js";
import { parseMountOptions } from "./mount-options.js";
import { deviceNodes, type DeviceNode } from "./devices.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

const S_IF: Record<DeviceNode["type"], number> = { c: 0o020000, b: 0o060000, p: 0o010000 };

const SYMLINKS: [target: string, link: string][] = [
  ["/proc/self/fd", "/dev/fd"],
  ["/proc/self/fd/0", "/dev/stdin"],
  ["/proc/self/fd/1", "/dev/stdout"],
  ["/proc/self/fd/2", "/dev/stderr"],
];

function bindsDev(spec: Spec): boolean {
  return (spec.mounts ?? []).some((m) => m.destination.replace(/\/+$/, "") === "/dev" && parseMountOptions(m.options, m.type).bind);
}

export function deviceSteps(spec: Spec, rootfs: string): Step[] {
  if (bindsDev(spec)) return [];
  const steps = deviceNodes(spec).map((d) =>
    step(Op.MKNOD, `create device ${d.path}`, [S_IF[d.type] | (d.mode & 0o7777), d.major, d.minor, d.uid, d.gid], [rootfs, d.path]),
  );
  for (const [target, link] of SYMLINKS) steps.push(step(Op.SYMLINK, `symlink ${link} -> ${target}`, [], [rootfs, target, link]));
  if ((spec.mounts ?? []).some((m) => m.destination.replace(/\/+$/, "") === "/dev/pts")) {
    steps.push(step(Op.SYMLINK, "symlink /dev/ptmx -> pts/ptmx", [], [rootfs, "pts/ptmx", "/dev/ptmx"]));
  }
  return steps;
}
