// linux.netDevices (config-linux.md "Network Devices"): host interfaces moved into the
// container's network namespace, renamed if asked, with their permanent global addresses and
// set up. The helper forks a "mover" before it enters any namespace (so it keeps CAP_NET_ADMIN
// over the host's network, even when the container has a user namespace) and lets it move the
// devices once the container's network namespace exists, before the init is forked.
import type { Spec } from "../spec/types.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

/** [host name, name in the container] pairs; spec/ has checked the names and the namespace. */
export function netDeviceMoves(spec: Spec): [string, string][] {
  return Object.entries(spec.linux?.netDevices ?? {}).map(([host, d]) => [host, d.name || host]);
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
