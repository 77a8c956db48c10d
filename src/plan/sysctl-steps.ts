// linux.sysctl → writes under the container's /proc/sys, after pivot_root.
import type { Spec } from "../spec/types.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";
import { checkSysctl } from "./sysctl.js";

export function sysctlSteps(spec: Spec): Step[] {
  const sysctl = spec.linux?.sysctl ?? {};
  const namespaces = (spec.linux?.namespaces ?? []).map((n) => n.type);
  return checkSysctl(sysctl, namespaces).map(({ path, value }) => step(Op.WRITE_FILE, `set sysctl ${path}=${value}`, [0], [path, value]));
}
