// linux.sysctl → writes under the container's /proc/sys, after pivot_root. The keys were judged
// when the config was validated (spec/semantic-linux.ts).
import { sysctlPath } from "../spec/sysctl.js";
import type { Spec } from "../spec/types.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

export function sysctlSteps(spec: Spec): Step[] {
  return Object.entries(spec.linux?.sysctl ?? {}).map(([key, value]) => {
    const path = sysctlPath(key);
    return step(Op.WRITE_FILE, `set sysctl ${path}=${value}`, [], [path, value]);
  });
}
