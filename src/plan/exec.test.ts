import { describe, expect, it } from "vitest";
import type { Process } from "../spec/types.js";
import { capabilitySets } from "./capabilities.js";
import { compileExecPlan, execProcess, type ExecPlanInput } from "./exec.js";
import { ChdirMode, Op } from "./protocol.js";

const base: Process = {
  terminal: true,
  user: { uid: 0, gid: 0, additionalGids: [10] },
  args: ["sh"],
  env: ["PATH=/bin", "TERM=xterm"],
  cwd: "/",
  capabilities: { bounding: ["CAP_CHOWN"], effective: ["CAP_CHOWN"], permitted: ["CAP_CHOWN"] },
  noNewPrivileges: false,
  apparmorProfile: "from-config",
};
const noLsm = { apparmor: false, selinux: false };
/** base as a plain exec runs it: no terminal, no label */
const plain: Process = { ...base, terminal: false, apparmorProfile: undefined };

function input(over: Partial<ExecPlanInput> = {}): ExecPlanInput {
  const process = over.process ?? plain;
  const container = { ociVersion: "1.2.0", id: "c1", bundle: "/b" };
  return { process, capabilities: capabilitySets(process.capabilities), namespaces: [], mode: "wait", preserveFds: 0, lsm: noLsm, container, ...over };
}

const ops = (i: ExecPlanInput) => compileExecPlan(i).steps.map((s) => s.op);

describe("compileExecPlan", () => {
  it("joins the namespaces in the kernel's order (user first), forks, then joins the mount namespace", () => {
    const plan = compileExecPlan(
      input({
        namespaces: [
          { type: "mount", path: "/proc/self/fd/9" },
          { type: "pid", path: "/proc/self/fd/5" },
          { type: "user", path: "/proc/self/fd/8" },
        ],
      }),
    );
    const joins = plan.steps.filter((s) => s.op === Op.SETNS).map((s) => s.strs![0]);
    expect(joins).toEqual(["/proc/self/fd/8", "/proc/self/fd/5", "/proc/self/fd/9"]);
    // the mount namespace after the fork: the process reaches a seccomp agent's host path first
    expect(plan.steps.map((s) => s.op).slice(0, 4)).toEqual([Op.SETNS, Op.SETNS, Op.FORK, Op.SETNS]);
    expect(plan.steps.some((s) => s.op === Op.UNSHARE || s.op === Op.UNSHARE_USER)).toBe(false);
  });

  it("creates nothing: a namespace without a path is a bug", () => {
    expect(() => compileExecPlan(input({ namespaces: [{ type: "pid" }] }))).toThrow(/needs a path/);
  });

  it("waits for the process unless detached; the waiting helper leaves through the cgroup.procs fd given", () => {
    expect(compileExecPlan(input()).steps.find((s) => s.op === Op.FORK)?.ints).toEqual([1, -1]);
    expect(compileExecPlan(input({ mode: "detach" })).steps.find((s) => s.op === Op.FORK)?.ints).toEqual([0, -1]);
    expect(compileExecPlan(input({ leaveCgroupFd: 7 })).steps.find((s) => s.op === Op.FORK)?.ints).toEqual([1, 7]);
  });

  it("clones the process into the cgroup given, joining the cgroup namespace only after the fork", () => {
    const namespaces = [
      { type: "cgroup" as const, path: "/proc/self/fd/6" },
      { type: "pid" as const, path: "/proc/self/fd/5" },
      { type: "mount" as const, path: "/proc/self/fd/9" },
    ];
    const cloned = compileExecPlan(input({ namespaces, bornInCgroup: "/sys/fs/cgroup/c1" })).steps;
    const fork = cloned.findIndex((s) => s.op === Op.FORK);
    expect(cloned[fork].strs).toEqual(["/sys/fs/cgroup/c1"]);
    expect(cloned[fork].ints).toEqual([1, -1]);
    const joinedAt = (path: string, steps: typeof cloned) => steps.findIndex((s) => s.op === Op.SETNS && s.strs![0] === path);
    expect(joinedAt("/proc/self/fd/5", cloned)).toBeLessThan(fork);
    expect(joinedAt("/proc/self/fd/6", cloned)).toBeGreaterThan(fork);
    expect(joinedAt("/proc/self/fd/9", cloned)).toBeGreaterThan(fork);
    // moved in by the runtime instead: the helper joins the cgroup namespace before it forks
    const moved = compileExecPlan(input({ namespaces })).steps;
    expect(moved.find((s) => s.op === Op.FORK)?.strs ?? []).toEqual([]);
    expect(joinedAt("/proc/self/fd/6", moved)).toBeLessThan(moved.findIndex((s) => s.op === Op.FORK));
  });

  it("a new session, then identity, then the program; no wait for start", () => {
    const o = ops(input());
    expect(o.slice(0, 2)).toEqual([Op.FORK, Op.SETSID]);
    expect(o.indexOf(Op.SETRESUID)).toBeLessThan(o.indexOf(Op.RESOLVE_EXEC));
    expect(o.slice(-2)).toEqual([Op.CLOSE_FDS, Op.EXEC]);
    // cwd as root first, then again as the user only if root was refused
    const chdirs = compileExecPlan(input()).steps.filter((s) => s.op === Op.CHDIR);
    expect(chdirs.map((s) => s.ints)).toEqual([[ChdirMode.TRY], [ChdirMode.RETRY]]);
    expect(o.indexOf(Op.CHDIR)).toBeLessThan(o.indexOf(Op.SETRESUID));
    expect(o.lastIndexOf(Op.CHDIR)).toBeGreaterThan(o.indexOf(Op.SETRESUID));
    expect(o).not.toContain(Op.WAIT_START);
    expect(o).not.toContain(Op.MOUNT);
  });

  it("keeps the preserved fds", () => {
    const close = compileExecPlan(input({ preserveFds: 2 })).steps.find((s) => s.op === Op.CLOSE_FDS);
    expect(close?.ints).toEqual([5]);
  });

  it("a terminal needs the console socket, and is set up right after the new session", () => {
    const p = { ...base, consoleSize: { height: 24, width: 80 } };
    expect(() => compileExecPlan(input({ process: p }))).toThrow(/console socket/);
    const plan = compileExecPlan(input({ process: p, consoleSocketFd: 7, lsm: { apparmor: true, selinux: false } }));
    const i = plan.steps.findIndex((s) => s.op === Op.CONSOLE);
    expect(plan.steps[i - 1].op).toBe(Op.SETSID);
    expect(plan.steps[i].ints).toEqual([7, 24, 80, 0]); // exec does not take over /dev/console
  });

  it("loads seccomp last: only execve after it, or with no_new_privs unset the capset that drops CAP_SYS_ADMIN kept for the load", () => {
    const seccomp = { bpf: Buffer.alloc(8), flags: 0 };
    const nnp = compileExecPlan(input({ seccomp, process: { ...plain, noNewPrivileges: true } })).steps;
    expect(nnp.slice(-3).map((s) => s.op)).toEqual([Op.CLOSE_FDS, Op.SECCOMP, Op.EXEC]);
    const privileged = compileExecPlan(input({ seccomp })).steps;
    expect(privileged.slice(-4).map((s) => s.op)).toEqual([Op.CLOSE_FDS, Op.SECCOMP, Op.CAPSET, Op.EXEC]);
    const sysAdmin = 1n << 21n;
    const [kept, final] = privileged.filter((s) => s.op === Op.CAPSET);
    expect(BigInt(kept.ints![0]) & sysAdmin).toBe(sysAdmin);
    expect(final.ints).toEqual(nnp.find((s) => s.op === Op.CAPSET)!.ints);
  });

  it("writes LSM labels where the kernel reads them, and refuses them when no module can", () => {
    const p = { ...plain, apparmorProfile: "confined", selinuxLabel: "system_u:system_r:container_t:s0" };
    const plan = compileExecPlan(input({ process: p, lsm: { apparmor: true, selinux: true } }));
    const writes = plan.steps.filter((s) => s.op === Op.WRITE_FILE).map((s) => s.strs);
    expect(writes).toEqual([
      ["/proc/self/attr/apparmor/exec", "exec confined"],
      ["/proc/self/attr/exec", "system_u:system_r:container_t:s0"],
    ]);
    expect(() => compileExecPlan(input({ process: p, lsm: { apparmor: false, selinux: true } }))).toThrow(/AppArmor is not enabled/);
    expect(() => compileExecPlan(input({ process: p, lsm: { apparmor: true, selinux: false } }))).toThrow(/SELinux is not enabled/);
  });
});

describe("execProcess (runc's exec flags over the container's process)", () => {
  it("replaces the command; the terminal is off unless asked for", () => {
    const p = execProcess(base, { args: ["ls", "-l"] }, noLsm);
    expect(p.args).toEqual(["ls", "-l"]);
    expect(p.terminal).toBe(false);
    expect(execProcess(base, { args: ["sh"], tty: true }, noLsm).terminal).toBe(true);
    expect(() => execProcess(base, { args: [] }, noLsm)).toThrow(/command/);
  });

  it("adds env, additional gids and capabilities; replaces user, cwd and labels", () => {
    const p = execProcess(base, { args: ["x"], env: ["A=1"], additionalGids: [5], caps: ["net_admin", "CAP_SYS_TIME"], user: "1000:100", cwd: "/tmp", noNewPrivs: true, apparmor: "flag-profile" }, noLsm);
    expect(p.env).toEqual(["PATH=/bin", "TERM=xterm", "A=1"]);
    expect(p.user).toEqual({ uid: 1000, gid: 100, additionalGids: [10, 5] });
    expect(p.cwd).toBe("/tmp");
    expect(p.noNewPrivileges).toBe(true);
    expect(p.capabilities?.bounding).toEqual(["CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_TIME"]);
    expect(p.capabilities?.effective).toEqual(["CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_TIME"]);
    expect(p.capabilities?.permitted).toEqual(["CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_TIME"]);
    expect(p.capabilities?.ambient).toBeUndefined(); // no inheritable set to raise them from
    expect(p.apparmorProfile).toBe("flag-profile");
    // the container's process is not changed
    expect(base.env).toEqual(["PATH=/bin", "TERM=xterm"]);
    expect(base.user.additionalGids).toEqual([10]);
  });

  it("--cap reaches ambient only when the container has inheritable capabilities", () => {
    const withInheritable = { ...base, capabilities: { ...base.capabilities, inheritable: ["CAP_CHOWN"], ambient: ["CAP_CHOWN"] } };
    expect(execProcess(withInheritable, { args: ["x"], caps: ["CAP_KILL"] }, noLsm).capabilities?.ambient).toEqual(["CAP_CHOWN", "CAP_KILL"]);
  });

  it("a uid alone keeps the container's gid; names are not ids", () => {
    expect(execProcess(base, { args: ["x"], user: "7" }, noLsm).user).toMatchObject({ uid: 7, gid: 0 });
    expect(() => execProcess(base, { args: ["x"], user: "nobody" }, noLsm)).toThrow(/bad uid/);
    expect(() => execProcess(base, { args: ["x"], user: "1:x" }, noLsm)).toThrow(/bad gid/);
    expect(() => execProcess(base, { args: ["x"], additionalGids: [-1] }, noLsm)).toThrow(/additional-gids/);
  });

  it("drops the config's LSM labels no module can apply (as create does), keeps them where one can", () => {
    expect(execProcess(base, { args: ["x"] }, noLsm).apparmorProfile).toBeUndefined();
    expect(execProcess(base, { args: ["x"] }, { apparmor: true, selinux: false }).apparmorProfile).toBe("from-config");
  });
});
