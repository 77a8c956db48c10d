// linux.netDevices (config-linux.md "Network Devices"): host interfaces moved into the
// container's network namespace, renamed if asked, with their permanent global addresses and
// set up. The helper forks a "mover" before it enters any namespace (so it keeps CAP_NET_ADMIN
// over the host's network, even when the container has a user namespace) and lets it move the
// devices once the container's network namespace exists, before the init is forked.
import { SkiffError } from "../errors.js";
import type { Spec } from "../spec/types.js";
import { hasNamespace } from "./namespaces.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

const IFNAMSIZ = 16;

/** A name the kernel accepts for an interface (dev_valid_name), "%d" templates included. */
function checkName(name: string, field: string): void {
  if (name === "" || name === "." || name === ".." || Buffer.byteLength(name) >= IFNAMSIZ || /[/:\s]/.test(name)) {
    throw new SkiffError("InvalidConfig", `${field}: ${JSON.stringify(name)} is not a valid interface name (1-15 bytes, no "/", ":" or spaces)`);
  }
}

/** [host name, name in the container] pairs. */
export function netDeviceMoves(spec: Spec): [string, string][] {
  const devices = spec.linux?.netDevices ?? {};
  const entries = Object.entries(devices);
  if (entries.length === 0) return [];
  if (!hasNamespace(spec.linux?.namespaces, "network")) {
    throw new SkiffError("InvalidConfig", "linux.netDevices: needs a network namespace to move the devices into");
  }
  const inside = new Set<string>();
  return entries.map(([host, d]) => {
    checkName(host, `linux.netDevices`);
    const name = d.name || host;
    checkName(name, `linux.netDevices.${host}.name`);
    if (inside.has(name) && !name.includes("%d")) throw new SkiffError("InvalidConfig", `linux.netDevices.${host}.name: ${name} is already the name of another device`);
    inside.add(name);
    return [host, name];
  });
}

/** Helper steps before the namespaces: fork the mover. */
export function netDevicePrepareSteps(moves: readonly [string, string][]): Step[] {
  if (moves.length === 0) return [];
  return [step(Op.NETDEV_PREPARE, "prepare to move linux.netDevices", [], moves.flat())];
}

/** Helper steps once in the container's network namespace: the move itself. */
export function netDeviceMoveSteps(moves: readonly [string, string][]): Step[] {
  if (moves.length === 0) return [];
  const list = moves.map(([host, name]) => (host === name ? host : `${host} as ${name}`)).join(", ");
  return [step(Op.NETDEV_MOVE, `move network devices ${list} into the container`)];
}
