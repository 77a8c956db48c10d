// The container's /dev: device nodes (config-linux.md "Devices", default devices) and the
// standard symlinks, unless the config bind-mounts a /dev of its own.
import * as path from "../posix-path.js";
import type { Spec } from "../spec/types.js";
import { parseMountOptions } from "./mount-options.js";
import { deviceNodes, mknodMode } from "./devices.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

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
  // A configured device may not replace a different file already at its path; defaults may.
  const configured = new Set((spec.linux?.devices ?? []).map((d) => path.normalize(d.path)));
  const steps = deviceNodes(spec).map((d) =>
    step(Op.MKNOD, `create device ${d.path}`, [mknodMode(d), d.major, d.minor, d.uid, d.gid, configured.has(d.path) ? 1 : 0], [rootfs, d.path]),
  );
  for (const [target, link] of SYMLINKS) steps.push(step(Op.SYMLINK, `symlink ${link} -> ${target}`, [], [rootfs, target, link]));
  if ((spec.mounts ?? []).some((m) => m.destination.replace(/\/+$/, "") === "/dev/pts")) {
    steps.push(step(Op.SYMLINK, "symlink /dev/ptmx -> pts/ptmx", [], [rootfs, "pts/ptmx", "/dev/ptmx"]));
  }
  return steps;
}
