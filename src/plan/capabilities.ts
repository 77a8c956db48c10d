// process.capabilities → the five capability masks the executor applies (bit n = capability n).
//
// Two different failures, two answers:
// - A name that is no capability at all ("CAP_FOO") is a config error. runtime-spec 1.0 said
//   "Any value which cannot be mapped to a relevant kernel interface MUST cause an error" and the
//   OCI validation suite (process_capabilities_fail) still checks exactly that; runc and crun
//   accept it silently. Spec 1.1+ relaxed this to a warning; we keep the error because a typo in
//   a security setting should not pass unnoticed. spec/semantic.ts reports it, with the rest of
//   the config's faults, before anything here runs.
// - A real capability that cannot be granted here (absent from the host's bounding set, e.g.
//   CAP_SYS_RESOURCE on this machine, or newer than the kernel) follows spec 1.1+: "MUST be
//   logged as a warning", the runtime "SHOULD NOT fail". It is left out of every set and
//   reported, so capset never fails with EPERM halfway through the container's start.
import type { HostFacts } from "../host/facts.js";
import { CAPABILITIES, CAPABILITY_NAMES, type CapabilityName } from "../spec/capabilities.js";
import type { Capabilities } from "../spec/types.js";

export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

const SETS = ["bounding", "effective", "permitted", "inheritable", "ambient"] as const;
type SetName = (typeof SETS)[number];

/**
 * Masks for the named capabilities; absent sets (or no capabilities object) are empty, as in
 * runc. The names were checked when the config was validated (spec/semantic.ts).
 */
export function capabilitySets(caps?: Capabilities): CapabilitySets {
  const mask = (set: SetName): bigint => (caps?.[set] ?? []).reduce((m, name) => m | (1n << BigInt(CAPABILITIES[name as CapabilityName])), 0n);
  return { bounding: mask("bounding"), effective: mask("effective"), permitted: mask("permitted"), inheritable: mask("inheritable"), ambient: mask("ambient") };
}

/** The names of the bits set in a mask, in bit order (for messages and `skiff features`). */
export function capabilityNames(mask: bigint): string[] {
  return CAPABILITY_NAMES.filter((name) => (mask >> BigInt(CAPABILITIES[name])) & 1n);
}

/**
 * What the container's init can hold: entering a user namespace (new or joined) gives a full
 * bounding set inside it, so then every capability the kernel knows; otherwise the runtime's own
 * bounding set.
 */
export function availableCapabilities(inUserNamespace: boolean, host: HostFacts["capabilities"]): bigint {
  return inUserNamespace ? (1n << BigInt(host.lastCap + 1)) - 1n : host.bounding;
}

/** process.capabilities as the init can really hold them, and the warnings to log for the rest. */
export function grantedCapabilities(caps: Capabilities | undefined, inUserNamespace: boolean, host: HostFacts["capabilities"]): { sets: CapabilitySets; warnings: string[] } {
  return grantableCapabilities(capabilitySets(caps), availableCapabilities(inUserNamespace, host));
}

/**
 * Removes from the sets what cannot be granted, with one warning per set and reason (the caller
 * logs them): capabilities outside `available`, effective ones that are not permitted, and
 * ambient ones that are not both permitted and inheritable (the kernel refuses those).
 */
export function grantableCapabilities(sets: CapabilitySets, available: bigint): { sets: CapabilitySets; warnings: string[] } {
  const warnings: string[] = [];
  const keep = (set: SetName, mask: bigint, allowed: bigint, why: string): bigint => {
    const lost = mask & ~allowed;
    if (lost) warnings.push(`process.capabilities.${set}: ${capabilityNames(lost).join(", ")} ${why}; not granted`);
    return mask & allowed;
  };
  const hostWhy = "cannot be granted (not in the runtime's bounding set or unknown to this kernel)";
  const out = {} as CapabilitySets;
  for (const set of SETS) out[set] = keep(set, sets[set], available, hostWhy);
  // capset(2) refuses an effective set beyond the permitted one; PR_CAP_AMBIENT_RAISE refuses
  // what is not both permitted and inheritable.
  out.effective = keep("effective", out.effective, out.permitted, "must also be permitted");
  out.ambient = keep("ambient", out.ambient, out.permitted & out.inheritable, "must also be permitted and inheritable");
  return { sets: out, warnings };
}
