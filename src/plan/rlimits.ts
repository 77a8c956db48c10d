// process.rlimits → setrlimit(2) steps. The spec: unknown types and duplicated types are errors,
// and getrlimit in the container MUST then show exactly the configured soft and hard values.
import { SkiffError } from "../errors.js";
import type { HostFacts } from "../host/facts.js";
import { CAPABILITIES } from "../spec/capabilities.js";
import type { POSIXRlimit } from "../spec/types.js";

/** Resource numbers of asm-generic/resource.h (x86_64 and arm64 alike), in /proc/PID/limits order. */
export const RLIMITS = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
} as const;

export type RlimitType = keyof typeof RLIMITS;
const RLIMIT_NAMES = Object.keys(RLIMITS) as RlimitType[];

export const RLIM_INFINITY = 0xffffffffffffffffn;

export interface RlimitStep {
  type: RlimitType;
  resource: number;
  soft: bigint;
  hard: bigint;
}

/**
 * A JSON uint64 as a bigint. JSON.parse rounds RLIM_INFINITY (2^64-1) up to 2^64, the one
 * out-of-range number that means "unlimited"; precision above 2^53 is otherwise lost.
 */
function limitValue(value: number): bigint {
  return value === 2 ** 64 ? RLIM_INFINITY : BigInt(value);
}

/** process.rlimits, validated (spec/semantic.ts: known types, no duplicates, soft ≤ hard, in range), as setrlimit steps. */
export function rlimitPlan(rlimits: POSIXRlimit[] = []): RlimitStep[] {
  return rlimits.map((r) => {
    const type = r.type as RlimitType;
    return { type, resource: RLIMITS[type], soft: limitValue(r.soft), hard: limitValue(r.hard) };
  });
}

/** /proc/PID/limits as [soft, hard] per resource number ("unlimited" = RLIM_INFINITY). */
export function parseProcLimits(text: string): [bigint, bigint][] {
  const value = (v: string): bigint => (v === "unlimited" ? RLIM_INFINITY : BigInt(v));
  return text
    .split("\n")
    .slice(1, 1 + RLIMIT_NAMES.length)
    .map((line) => {
      const [soft, hard] = line.slice(26).trim().split(/\s+/);
      return [value(soft), value(hard)];
    });
}

function formatLimit(v: bigint): string {
  return v === RLIM_INFINITY ? "unlimited" : String(v);
}

/** The message for a setrlimit that failed with EPERM: a hard limit above the runtime's own. */
export function rlimitRaiseDenied(step: RlimitStep, currentHard: bigint): string {
  return `process.rlimits: cannot raise the ${step.type} hard limit to ${formatLimit(step.hard)} above the runtime's ${formatLimit(currentHard)}: operation not permitted (it needs CAP_SYS_RESOURCE, which the runtime does not have)`;
}

/**
 * Raising a hard limit needs CAP_SYS_RESOURCE in the initial user namespace (a container's own
 * user namespace does not help). Without it, such a config cannot be honoured; this finds that
 * before the container is created, so the failure leaves nothing behind. Both facts are the
 * runtime's (whose limits and capabilities the init inherits).
 */
export function checkRlimitsAgainstHost(steps: RlimitStep[], host: Pick<HostFacts, "capabilities" | "limits">): void {
  const canRaiseHardLimits = ((host.capabilities.effective >> BigInt(CAPABILITIES.CAP_SYS_RESOURCE)) & 1n) === 1n;
  if (canRaiseHardLimits) return;
  for (const step of steps) {
    const currentHard = host.limits[step.resource][1];
    if (step.hard > currentHard) throw new SkiffError("PermissionDenied", rlimitRaiseDenied(step, currentHard), 1);
  }
}
