// config.md "Process": identity, limits, capabilities and the program, as init steps in the
// order the kernel needs them (rlimits and the bounding set while still privileged; keep
// capabilities across the uid change, then set them exactly).
import { SkiffError } from "../errors.js";
import type { Process } from "../spec/types.js";
import type { CapabilitySets } from "./capabilities.js";
import { step, type Step } from "./plan.js";
import { Op } from "./protocol.js";
import { rlimitPlan } from "./rlimits.js";

const PR_SET_KEEPCAPS = 8;
const PR_SET_NO_NEW_PRIVS = 38;
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A compiled seccomp filter, loaded by the init. */
export interface SeccompProgram {
  bpf: Buffer;
  flags: number;
}

/** The environment the program gets: config env plus HOME when it is missing (as runc does). */
export function processEnv(p: Process): string[] {
  const env = [...(p.env ?? [])];
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${p.user.uid === 0 ? "/root" : "/"}`);
  return env;
}

function envValue(env: readonly string[], name: string): string | undefined {
  const hit = [...env].reverse().find((e) => e.startsWith(name + "="));
  return hit?.slice(name.length + 1);
}

/** Steps while still root in the container: resource limits, oom score, bounding set. */
export function privilegedProcessSteps(p: Process): Step[] {
  const steps: Step[] = [];
  if (p.oomScoreAdj !== undefined) {
    steps.push(step(Op.WRITE_FILE, `set oomScoreAdj ${p.oomScoreAdj}`, [0], ["/proc/self/oom_score_adj", String(p.oomScoreAdj)]));
  }
  for (const r of rlimitPlan(p.rlimits)) {
    steps.push(step(Op.SETRLIMIT, `set rlimit ${r.type} soft=${r.soft} hard=${r.hard}`, [r.resource, r.soft, r.hard]));
  }
  return steps;
}

/**
 * The switch to the configured user and capabilities. `caps` are the sets that can be granted
 * here (grantedCapabilities: the host may lack some, which is a warning, not an error).
 */
export function identitySteps(p: Process, caps: CapabilitySets, seccompEarly?: SeccompProgram): Step[] {
  const u = p.user;
  const steps: Step[] = [step(Op.CAP_BOUNDING, "drop capabilities from the bounding set", [caps.bounding])];
  if (p.noNewPrivileges) steps.push(step(Op.PRCTL, "set no_new_privs", [PR_SET_NO_NEW_PRIVS, 1, 0]));
  // Without no_new_privs the filter needs CAP_SYS_ADMIN to load, so it goes in before the
  // user switch drops it (runc does the same).
  if (seccompEarly) steps.push(seccompStep(seccompEarly));
  steps.push(
    step(Op.PRCTL, "keep capabilities across the uid change", [PR_SET_KEEPCAPS, 1, 0]),
    step(Op.SETGROUPS, `set additional gids [${(u.additionalGids ?? []).join(",")}]`, u.additionalGids ?? []),
    step(Op.SETRESGID, `set gid ${u.gid}`, [u.gid]),
    step(Op.SETRESUID, `set uid ${u.uid}`, [u.uid]),
    step(Op.PRCTL, "stop keeping capabilities", [PR_SET_KEEPCAPS, 0, 0]),
    step(Op.CAPSET, "set capabilities", [caps.effective, caps.permitted, caps.inheritable, caps.ambient]),
    step(Op.UMASK, `set umask ${(u.umask ?? 0o022).toString(8)}`, [u.umask ?? 0o022]),
    step(Op.CHDIR, `chdir to cwd ${p.cwd}`, [], [p.cwd]),
  );
  return steps;
}

export function seccompStep(s: SeccompProgram): Step {
  return step(Op.SECCOMP, "load seccomp filter", [s.flags], [s.bpf]);
}

export function resolveExecStep(p: Process): Step {
  const args = p.args ?? [];
  if (args.length === 0) throw new SkiffError("InvalidConfig", "process.args: must not be empty");
  return step(Op.RESOLVE_EXEC, `find executable "${args[0]}"`, [], [args[0], envValue(processEnv(p), "PATH") ?? DEFAULT_PATH]);
}

/** The last steps: mark every fd but stdio and the preserved ones close-on-exec, then execve. */
export function execSteps(p: Process, preserveFds: number): Step[] {
  const args = p.args ?? [];
  return [
    step(Op.CLOSE_FDS, `close fds from ${3 + preserveFds}`, [3 + preserveFds]),
    step(Op.EXEC, `exec ${args[0]}`, [args.length], [...args, ...processEnv(p)]),
  ];
}
