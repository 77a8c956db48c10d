// Labels and platform features that depend on what the host offers (src/host/facts.ts):
// process.apparmorProfile, process.selinuxLabel, linux.mountLabel, linux.intelRdt. Their checks
// need HostFacts, so they are made here rather than in spec/.
// A profile or label for a process is a security promise: when its module is not active the
// container is refused (as runc does for SELinux labels) rather than run unconfined.
import { SkiffError } from "../errors.js";
import type { Process, Spec } from "../spec/types.js";
import type { HostFacts } from "../host/facts.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";

/** The label for the next execve, written to the kernel's procattr files. */
export function lsmSteps(p: Process, lsm: HostFacts["lsm"]): Step[] {
  const steps: Step[] = [];
  if (p.apparmorProfile) {
    if (!lsm.apparmor) throw new SkiffError("InvalidConfig", `process.apparmorProfile "${p.apparmorProfile}": AppArmor is not enabled on this host`);
    steps.push(step(Op.WRITE_FILE, `set AppArmor profile ${p.apparmorProfile}`, [], ["/proc/self/attr/apparmor/exec", `exec ${p.apparmorProfile}`]));
  }
  if (p.selinuxLabel) {
    if (!lsm.selinux) throw new SkiffError("InvalidConfig", `process.selinuxLabel "${p.selinuxLabel}": SELinux is not enabled on this host`);
    steps.push(step(Op.WRITE_FILE, `set SELinux label ${p.selinuxLabel}`, [], ["/proc/self/attr/exec", p.selinuxLabel]));
  }
  return steps;
}

/**
 * linux.mountLabel: without SELinux there is no context to give the mounts, and a mount label
 * only labels files (it confines nothing), so it is ignored, as runc does. With SELinux it
 * would need context= on every mount: refused until skiff does that.
 */
export function checkMountLabel(spec: Spec, lsm: HostFacts["lsm"]): void {
  if (spec.linux?.mountLabel && lsm.selinux) {
    throw new SkiffError("InvalidConfig", `linux.mountLabel "${spec.linux.mountLabel}": SELinux mount labels are not supported by skiff`);
  }
}

/** linux.intelRdt: the spec requires a mounted resctrl; skiff does not drive resctrl yet. */
export function checkIntelRdt(spec: Spec, resctrl: boolean): void {
  if (spec.linux?.intelRdt === undefined) return;
  if (!resctrl) throw new SkiffError("InvalidConfig", "linux.intelRdt: resctrl is not mounted");
  throw new SkiffError("InvalidConfig", "linux.intelRdt: Intel RDT is not supported by skiff");
}
