// `exec`: one more process in a running container. The parent checks the container, opens its
// namespaces (so a recycled pid cannot swap them), starts skiff-init, which clones the process
// into the container's cgroup on pure v2 or is moved into its cgroups first, and sends it
// compileExecPlan's plan; then it either waits for the exit status
// (relaying a terminal when there is no console socket) or returns once the program runs.
import * as path from "../posix-path.js";
import { initBornInCgroup, ownKernelRelease } from "../cgroups/clone-into.js";
import { UNIFIED } from "../cgroups/frozen.js";
import { joinForExec, openOwnCgroupProcs, type SavedCgroups } from "../cgroups/index.js";
import { SkiffError } from "../errors.js";
import { ENOENT, errnoOf } from "../linux/errno.js";
import { readTextThroughLibc } from "../linux/io.js";
import { close, connectUnix, O_RDONLY, open, pollIn, readlink, schedSetaffinity } from "../linux/libc.js";
import { log, trace } from "../log.js";
import { sendPlan, spawnHelper, type Helper } from "../native.js";
import { InitChannel } from "./channel.js";
import { grantedCapabilities } from "../plan/capabilities.js";
import { idMask } from "../plan/cpu-list.js";
import { parseIdList } from "../spec/id-list.js";
import { hostFacts } from "../host/facts.js";
import { compileExecPlan, execProcess, type ExecPlanInput, type ExecProcessFlags } from "../plan/exec.js";
import { hasNamespace } from "../plan/namespaces.js";
import { checkRlimitsAgainstHost, rlimitPlan } from "../plan/rlimits.js";
import { platform } from "../platform/index.js";
import { readJsonFile, validateProcess } from "../spec/load.js";
import type { Namespace, NamespaceType, Process, ValidSpec } from "../spec/types.js";
import { isSameLiveProcess } from "./proc.js";
import { killAndReap, openProcess } from "./reap.js";
import { seccompProgram } from "./seccomp-program.js";
import { forwardSignals, waitForExit } from "./foreground.js";
import { writePidFile, type ContainerRecord, type StateStore } from "./state-store.js";
import { Container } from "./container.js";
import { ownConsoleSocket, receivePtyMaster, relayTerminal, terminalSize } from "./tty.js";


/** The container's user namespace denies setgroups (a rootless single mapping, see id-maps.ts). */
function setgroupsDenied(initPid: number): boolean {
  try {
    return readTextThroughLibc(`/proc/${initPid}/setgroups`)?.trim() === "deny";
  } catch {
    return false;
  }
}

export interface ExecOptions extends Omit<ExecProcessFlags, "args"> {
  store: StateStore;
  id: string;
  /** COMMAND [ARG...]; empty when --process gives the process */
  args: string[];
  /** a runtime-spec Process JSON file (runc's --process): used as is, the flags aside */
  processFile?: string;
  consoleSocket?: string;
  detach?: boolean;
  pidFile?: string;
  preserveFds?: number;
  /** runc's --cgroup: "path" (every hierarchy) or "controller[,controller]:path" */
  cgroup?: string[];
  ignorePaused?: boolean;
}

const PROC_NS_NAME: Record<NamespaceType, string> = {
  mount: "mnt",
  network: "net",
  pid: "pid",
  ipc: "ipc",
  uts: "uts",
  user: "user",
  cgroup: "cgroup",
  time: "time",
};



function processOf(opts: ExecOptions, config: ValidSpec, lsm: ExecPlanInput["lsm"]): Process {
  if (opts.processFile) {
    if (opts.args.length > 0) throw new SkiffError("InvalidArgument", "exec: give either --process or a command, not both");
    const file = readJsonFile(opts.processFile);
    // runc reads a process without `user` as root (Go's zero value); callers rely on that.
    if (typeof file === "object" && file !== null && !Array.isArray(file) && !("user" in file)) (file as Record<string, unknown>).user = { uid: 0, gid: 0 };
    return validateProcess(file, opts.processFile);
  }
  return validateProcess(execProcess(config.process, opts, lsm), "exec");
}

/**
 * The container must be created or running (runc allows both: the process joins the waiting
 * init's namespaces), or paused when the caller accepts that the process waits for resume.
 */
async function checkStatus(c: Container, ignorePaused: boolean): Promise<void> {
  const status = await c.live("cannot exec in a stopped container: container not running");
  if (status === "paused" && !ignorePaused) throw new SkiffError("InvalidState", "cannot exec in a paused container (use --ignore-paused to override)");
}

/**
 * Opens the namespaces of the container's init that differ from ours. The fds pin them: the
 * helper joins exactly these even if the init dies and its pid is reused meanwhile.
 */
async function openNamespaces(rec: ContainerRecord): Promise<{ type: NamespaceType; fd: number }[]> {
  const types = [...new Set((rec.config.linux?.namespaces ?? []).map((n) => n.type))];
  const opened: { type: NamespaceType; fd: number }[] = [];
  const pidfd = await openProcess(rec.pid, rec.initStartTime);
  if (pidfd === undefined) throw new SkiffError("NotRunning", "cannot exec in a stopped container: container not running");
  try {
    for (const type of types) {
      const file = `/proc/${rec.pid}/ns/${PROC_NS_NAME[type]}`;
      // The same namespace reads the same "type:[inode]".
      if (readlink(file) === readlink(`/proc/self/ns/${PROC_NS_NAME[type]}`)) continue;
      opened.push({ type, fd: open(file, O_RDONLY) });
    }
    if (!(await isSameLiveProcess(rec.pid, rec.initStartTime))) throw new SkiffError("NotRunning", "cannot exec in a stopped container: container not running");
    return opened;
  } catch (e) {
    for (const n of opened) close(n.fd);
    if (errnoOf(e) === ENOENT) throw new SkiffError("NotRunning", "cannot exec in a stopped container: container not running");
    throw e;
  } finally {
    close(pidfd);
  }
}

/** The container's cgroups, or the --cgroup sub-cgroups below them (which must exist). */
export function execCgroups(saved: SavedCgroups, args: readonly string[]): SavedCgroups {
  if (args.length === 0) return saved;
  const sub = new Map<string, string>();
  for (const arg of args) {
    const colon = arg.indexOf(":");
    if (colon < 0) {
      if (args.length > 1) throw new SkiffError("InvalidArgument", `--cgroup ${arg}: a controller prefix ("memory:${arg}") is needed when --cgroup is given more than once`);
      for (const key of Object.keys(saved.paths)) sub.set(key, arg);
      continue;
    }
    for (const ctrl of arg.slice(0, colon).split(",")) {
      if (!ctrl) throw new SkiffError("InvalidArgument", `--cgroup ${arg}: empty controller name`);
      if (!(ctrl in saved.paths)) throw new SkiffError("InvalidArgument", `--cgroup ${arg}: unknown controller ${ctrl} (the container has no ${ctrl} cgroup)`);
      if (sub.has(ctrl)) throw new SkiffError("InvalidArgument", `--cgroup: controller ${ctrl} given more than once`);
      sub.set(ctrl, arg.slice(colon + 1));
    }
  }
  const paths = { ...saved.paths };
  // As runc: the path is taken below the container's cgroup ("/" is the cgroup itself); joining
  // a sub-cgroup that does not exist fails when the process is moved, naming its cgroup.procs.
  for (const [key, rel] of sub) {
    const base = saved.paths[key];
    const dir = path.join(base, rel).replace(/\/+$/, "");
    if (dir !== base && !dir.startsWith(base + "/")) throw new SkiffError("InvalidArgument", `--cgroup: ${rel} is not a sub cgroup path`);
    paths[key] = dir;
  }
  return { ...saved, paths };
}

/**
 * The cgroup v2 directory the exec's process can be cloned into (clone-into.ts: nothing moved, so
 * no grace period to wait for and no helper to move back out), or undefined: then the helper is
 * moved in first. The systemd driver's unit already has its cgroup, so it is no exception here.
 * Moved as before: --cgroup (a missing sub-cgroup is reported by the move), execCPUAffinity (its
 * initial set holds until the move), and a cgroup with controllers enabled below it (which takes
 * no process: joinForExec then finds the init's leaf).
 */
function execBornInCgroup(saved: SavedCgroups, config: ValidSpec, proc: Process, cgroupArgs: readonly string[]): string | undefined {
  const dir = saved.paths[UNIFIED];
  if (dir === undefined || cgroupArgs.length > 0 || proc.execCPUAffinity) return undefined;
  const userNamespace = hasNamespace(config.linux?.namespaces, "user");
  if (!initBornInCgroup({ pureV2: saved.mode === "v2", systemd: false, rootless: saved.rootless === true, userNamespace, kernelRelease: ownKernelRelease })) return undefined;
  return readTextThroughLibc(`${dir}/cgroup.subtree_control`)?.trim() === "" ? dir : undefined;
}

/** The pty master from our own console socket, or the helper's error if it never came. */
function awaitPtyMaster(channel: InitChannel, console: number): number {
  for (;;) {
    const [consoleEvents, syncEvents] = pollIn([console, channel.sock], -1);
    if (consoleEvents) return receivePtyMaster(console);
    if (syncEvents) channel.next("skiff-init exited before sending the terminal");
  }
}

/** Runs the exec; resolves to skiff's exit status (the process's, or 0 with --detach). */
export async function execInContainer(opts: ExecOptions): Promise<number> {
  const { store } = opts;
  const container = await Container.open(store, opts.id);
  const rec = container.record;
  await checkStatus(container, opts.ignorePaused ?? false);
  const host = hostFacts();
  const proc = processOf(opts, rec.config, host.lsm);
  const interactive = proc.terminal === true && !opts.consoleSocket;
  if (interactive) proc.consoleSize ??= terminalSize();
  if (opts.consoleSocket && !proc.terminal) throw new SkiffError("InvalidArgument", "--console-socket needs a terminal (--tty or process.terminal)");
  if (interactive && opts.detach) throw new SkiffError("InvalidArgument", "--detach with a terminal needs a --console-socket to send it to");
  const preserveFds = opts.preserveFds ?? 0;
  if (!Number.isInteger(preserveFds) || preserveFds < 0) throw new SkiffError("InvalidArgument", `--preserve-fds: must be a non-negative integer, got ${preserveFds}`);
  const granted = grantedCapabilities(proc.capabilities, (rec.config.linux?.namespaces ?? []).some((n) => n.type === "user"), host.capabilities);
  for (const w of granted.warnings) log("warning", w);
  checkRlimitsAgainstHost(rlimitPlan(proc.rlimits), host);
  const cgroups = execCgroups(rec.cgroups, opts.cgroup ?? []);
  const bornIn = execBornInCgroup(cgroups, rec.config, proc, opts.cgroup ?? []);
  const seccomp = await seccompProgram(rec.config, store);

  const toClose: number[] = [];
  let helper: Helper | undefined;
  let execPid = 0;
  let ownConsole: number | undefined;
  try {
    const namespaces = await openNamespaces(rec);
    toClose.push(...namespaces.map((n) => n.fd));
    let consoleFd: number | undefined;
    if (opts.consoleSocket) consoleFd = connectUnix(opts.consoleSocket);
    else if (interactive) {
      const pair = ownConsoleSocket();
      ownConsole = pair.ours;
      consoleFd = pair.peer;
    }
    if (consoleFd !== undefined) toClose.push(consoleFd);
    const leaveCgroupFd = opts.detach || bornIn !== undefined ? undefined : openOwnCgroupProcs(host.mountinfo);
    if (leaveCgroupFd !== undefined) toClose.push(leaveCgroupFd);
    // The helper's fds: stdio and preserved fds, the sync socket, then the namespaces, console
    // and own cgroup.
    const stdio = Array.from({ length: 3 + preserveFds }, (_, i) => i);
    const extra = [...namespaces.map((n) => n.fd), ...[consoleFd, leaveCgroupFd].filter((fd) => fd !== undefined)];
    const fdInHelper = (fd: number) => stdio.length + 1 + extra.indexOf(fd);
    const plan = compileExecPlan({
      process: proc,
      capabilities: granted.sets,
      namespaces: namespaces.map((n): Namespace => ({ type: n.type, path: `/proc/self/fd/${fdInHelper(n.fd)}` })),
      mode: opts.detach ? "detach" : "wait",
      preserveFds,
      consoleSocketFd: consoleFd === undefined ? undefined : fdInHelper(consoleFd),
      leaveCgroupFd: leaveCgroupFd === undefined ? undefined : fdInHelper(leaveCgroupFd),
      bornInCgroup: bornIn,
      seccomp,
      lsm: host.lsm,
      setgroupsDenied: setgroupsDenied(rec.pid),
      container: { ociVersion: rec.ociVersion, id: rec.id, bundle: rec.bundle, ...(rec.annotations && { annotations: rec.annotations }) },
    });
    helper = spawnHelper(await platform().initBinary(), stdio, extra);
    for (const fd of toClose.splice(0)) close(fd);
    // process.execCPUAffinity.initial holds until the cgroup move; .final is set after it.
    const initial = proc.execCPUAffinity?.initial;
    if (initial) schedSetaffinity(helper.pid, idMask(parseIdList(initial)));
    // Otherwise into the cgroups before the fork, so the process is born inside them.
    if (bornIn === undefined) {
      await joinForExec(cgroups, helper.pid, opts.cgroup?.length ? undefined : rec.pid, host.mountinfo).catch((e: unknown) => {
        throw new SkiffError("Syscall", `adding pid ${helper!.pid} to cgroups: ${(e as Error).message}`);
      });
    }
    sendPlan(helper.sock, plan);
    const channel = new InitChannel(helper.sock, plan);
    execPid = channel.expect("pid", "skiff-init exited without reporting the process").pid;
    trace("exec process %d", execPid);
    if (opts.detach) {
      // The helper has left; the process's copy of the sync socket closes when execve succeeds.
      channel.drain();
      if (opts.pidFile) writePidFile(opts.pidFile, execPid);
      return 0;
    }
    if (opts.pidFile) writePidFile(opts.pidFile, execPid);
    const stopForwarding = forwardSignals(execPid);
    try {
      if (ownConsole === undefined) return await waitForExit(channel, helper);
      const master = awaitPtyMaster(channel, ownConsole);
      return await relayTerminal(master, waitForExit(channel, helper));
    } finally {
      stopForwarding();
    }
  } catch (e) {
    trace("exec failed, cleaning up: %s", (e as Error).message);
    if (execPid) await killAndReap(execPid);
    helper?.child.kill("SIGKILL");
    throw e;
  } finally {
    for (const fd of toClose) close(fd);
    if (ownConsole !== undefined) close(ownConsole);
    if (helper) close(helper.sock);
  }
}
