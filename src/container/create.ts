// `create`: claim the id, compile the plan, start skiff-init, follow it until the container
// waits for `start`; then record state and the pid file. Any failure unwinds everything made.
import * as path from "../posix-path.js";
import { initBornInCgroup, ownKernelRelease } from "../cgroups/clone-into.js";
import { UNIFIED } from "../cgroups/frozen.js";
import { cgroupMovesWait } from "../cgroups/grace-period.js";
import { createCgroupManager, defaultDeviceRules, type CgroupManager, type SavedCgroups } from "../cgroups/index.js";
import { SkiffError } from "../errors.js";
import { EPIPE, errnoOf } from "../linux/errno.js";
import { isDirectory } from "../linux/io.js";
import { chmod, chown, close, connectUnix, exists, mkfifo, O_DIRECTORY, O_PATH, open, pollIn } from "../linux/libc.js";
import { log, trace } from "../log.js";
import { grantedCapabilities } from "../plan/capabilities.js";
import { bindsHostSys, cgroupDelegate } from "../plan/cgroup-mount.js";
import { checkRlimitsAgainstHost, rlimitPlan } from "../plan/rlimits.js";
import { sendPlan, spawnHelper, type Helper } from "../native.js";
import { InitChannel } from "./channel.js";
import { compileCreatePlan, compileEarlyStage, laterStage } from "../plan/compile.js";
import { hostFacts } from "../host/facts.js";
import { hasNamespace } from "../plan/namespaces.js";
import type { Plan } from "../plan/plan.js";
import { SyncTag } from "../plan/protocol.js";
import { platform } from "../platform/index.js";
import { loadConfig } from "../spec/load.js";
import type { LinuxResources, Spec, ValidSpec } from "../spec/types.js";
import { hookState, runHooks, runPoststopHooks } from "./hooks.js";
import { mark } from "../marks.js";
import { hostRootIds, idMapMethod, writeIdMaps } from "./id-maps.js";
import { readProcStat } from "./proc.js";
import { seccompProgram } from "./seccomp-program.js";
import { killAndReap } from "./reap.js";
import { EXEC_FIFO, StateStore, writePidFile, type ContainerRecord } from "./state-store.js";

export interface CreateOptions {
  store: StateStore;
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  /** keep the caller's session keyring instead of a new one for the container */
  noNewKeyring?: boolean;
  preserveFds?: number;
  systemdCgroup?: boolean;
  /** Not host root (--rootless, or detected): cgroups it cannot write are skipped when no limit needs them. */
  rootless?: boolean;
  /** "wait": keep the helper as the init's parent to collect its exit status (run) */
  mode?: "detach" | "wait";
  /** The config, when the caller has already loaded it (run) */
  spec?: ValidSpec;
  /** A console socket the caller holds (run's own terminal relay), instead of consoleSocket */
  consoleFd?: number;
  /** The pty's size when the config gives none (run's relay: the caller's terminal). Not saved. */
  consoleSize?: { height: number; width: number };
}

/**
 * The config the init runs with: the user's, plus what only this process is told (socket
 * activation's LISTEN_FDS/LISTEN_PID, run's terminal size). The saved config stays the user's,
 * so a later exec inherits none of it.
 */
function forTheInit(spec: ValidSpec, listenFds: number, consoleSize: CreateOptions["consoleSize"]): ValidSpec {
  const p = spec.process;
  if (listenFds === 0 && (consoleSize === undefined || p.consoleSize !== undefined)) return spec;
  const env = listenFds > 0 ? [...(p.env ?? []), `LISTEN_FDS=${listenFds}`, "LISTEN_PID=1"] : p.env;
  return { ...spec, process: { ...p, ...(env && { env }), consoleSize: p.consoleSize ?? consoleSize } };
}

export interface Created {
  record: ContainerRecord;
  helper: Helper;
  /** what the helper still reports (the exit status, for run) */
  channel: InitChannel;
}

/** RootfsFacts.nonDirectorySources: which of the config's mount sources are files, devices or sockets. */
function nonDirectorySources(spec: Spec, bundle: string): Set<string> {
  const found = new Set<string>();
  for (const m of spec.mounts ?? []) {
    if (!m.source) continue;
    const source = path.resolve(bundle, m.source);
    // Missing (or not a path at all: "proc", "tmpfs"): a bind of it fails at mount time, naming it.
    if (exists(source) && !isDirectory(source, { followSymlink: true })) found.add(source);
  }
  return found;
}

/** The rootfs on the host: spec/ requires /root/path, only the host can say whether it is there. */
function rootfsOf(spec: ValidSpec, bundle: string): string {
  const rootfs = path.resolve(bundle, spec.root.path);
  if (!exists(rootfs)) throw new SkiffError("InvalidConfig", `config.json: /root/path: rootfs ${rootfs} does not exist`);
  if (!isDirectory(rootfs, { followSymlink: true })) throw new SkiffError("InvalidConfig", `config.json: /root/path: rootfs ${rootfs} is not a directory`);
  return rootfs;
}

/**
 * linux.resources plus the device rules every container gets (runc appends the same). Rootless,
 * there are none: an unprivileged user can neither write a devices cgroup nor load its eBPF
 * program, and its user namespace already keeps the container from making device nodes (runc
 * ignores device rules there too).
 */
function effectiveResources(spec: Spec, rootless: boolean): LinuxResources {
  const { devices, ...r } = spec.linux?.resources ?? {};
  return rootless ? r : { ...r, devices: [...(devices ?? []), ...defaultDeviceRules(spec.linux?.devices)] };
}

async function ownStartTime(): Promise<string> {
  const stat = await readProcStat(process.pid);
  if (!stat) throw new SkiffError("Internal", "cannot read /proc/self/stat");
  return stat.startTime;
}

/**
 * runc's checks of a cgroup that is already there: an init joining a frozen cgroup would wait
 * forever (and `create` with it), so that is an error; sharing a cgroup with other processes
 * works but is almost always a mistake, so that is a warning.
 */
async function checkExistingCgroup(cgroups: CgroupManager): Promise<void> {
  const pids = cgroups.pids();
  if (pids.length > 0) log("warning", `container's cgroup is not empty: ${pids.length} process(es) found`);
  if (await cgroups.isFrozen()) throw new SkiffError("InvalidState", "container's cgroup unexpectedly frozen");
}

/**
 * The helper's cgroup join, or when that failed because the helper is gone (a step of its early
 * stage failed: a namespace path that is no namespace), the helper's own report of why.
 * `plan`: as much of it as the helper was sent, for the report's step.
 */
async function joinedOrHelperReport(joined: Promise<void>, helper: Helper, plan: Plan): Promise<void> {
  try {
    await joined;
  } catch (e) {
    // Readable: the helper reported and left (a live helper is silent until its next stage).
    if (pollIn([helper.sock], 0)[0] !== 0) new InitChannel(helper.sock, plan).until("ready", "skiff-init exited without reporting");
    throw e;
  }
}

/**
 * After a failure with the plan already sent: the init skiff-init forked, for the unwinding to
 * kill, or 0 when it never forked (an id-map or hook request is refused, which fails it first).
 */
function forkedInit(channel: InitChannel): number {
  try {
    return channel.until("pid", "", (event) => {
      if (event.type === "maps" || event.type === "sync") channel.ack(false);
    }).pid;
  } catch {
    return 0; // skiff-init failed or exited first: there is no init
  }
}

/** How many fds (from 3) systemd-style socket activation handed to this process. */
export function socketActivationFds(env: NodeJS.ProcessEnv, pid: number): number {
  const n = Number(env.LISTEN_FDS);
  return env.LISTEN_PID === String(pid) && Number.isInteger(n) && n > 0 ? n : 0;
}

/** create's config, marked as `run` marks the one it reads first (for process.terminal). */
function markedConfig(bundle: string): ValidSpec {
  const spec = loadConfig(bundle);
  mark("config.json read and validated");
  return spec;
}

export async function createContainer(opts: CreateOptions): Promise<Created> {
  const bundle = path.resolve(opts.bundle);
  const spec = opts.spec ?? markedConfig(bundle);
  const rootfs = rootfsOf(spec, bundle);
  const { store, id } = opts;
  const stateDir = store.claim(id);
  const createdAt = new Date().toISOString();
  let cgroups: CgroupManager | undefined;
  let helper: Helper | undefined;
  let made: Promise<void> | undefined;
  let joined: Promise<void> | undefined;
  let initPid = 0;
  let consoleFd: number | undefined;
  let stateDirFd: number | undefined;
  let hooksStarted = false;
  // Who the hooks' state documents describe (runtime.md "State"); the pid is known after the fork.
  const hookSubject = () => ({ ociVersion: spec.ociVersion, id, pid: initPid, bundle, annotations: spec.annotations });
  const recordOf = (pid: number, initStartTime: string, saved: SavedCgroups): ContainerRecord => ({
    ociVersion: spec.ociVersion,
    id,
    pid,
    initStartTime,
    bundle,
    rootfs,
    created: createdAt,
    owner: "",
    annotations: spec.annotations,
    cgroups: saved,
    config: spec,
  });
  try {
    const host = hostFacts();
    const resources = effectiveResources(spec, opts.rootless ?? false);
    const manager = createCgroupManager({ id, cgroupsPath: spec.linux?.cgroupsPath, systemd: opts.systemdCgroup, resources, annotations: spec.annotations, mountinfo: host.mountinfo, rootless: opts.rootless });
    // Refused before anything is made: the unwinding must not remove (or, with systemd, stop a
    // unit around) a cgroup that was there before this create.
    await checkExistingCgroup(manager);
    cgroups = manager;
    mark("state directory claimed, host facts, cgroup manager");
    // Before anything is made, say what will be: if this process dies (kill -9) from here on,
    // `delete` finds the cgroups to empty and remove, and `state` reports the create's fate.
    store.saveCreating({ ...recordOf(0, "", { ...cgroups.saved, created: cgroups.missingDirectories() }), creating: { pid: process.pid, startTime: await ownStartTime() } });
    mark("creating.json written");
    // Where the kernel can, the init is cloned into its cgroup and the helper joins nothing.
    const bornIn = initBornInCgroup({ pureV2: cgroups.mode === "v2", systemd: !!opts.systemdCgroup, rootless: !!opts.rootless, userNamespace: hasNamespace(spec.linux?.namespaces, "user"), kernelRelease: ownKernelRelease }) ? cgroups.saved.paths[UNIFIED] : undefined;
    // The cgroup directories are made on the I/O pool where a mkdir waits while the start-up
    // warm-up's cgroup move holds the kernel's cgroup mutex through a grace period
    // (cgroups/grace-period.ts), time in which exec.fifo is made, the helper starts and the plan
    // compiles. A create that moves nothing (its init born in the cgroup) had no warm-up either:
    // its mkdir waits for nothing of its own, and is made in place.
    made = cgroups.create({ onPool: bornIn === undefined && cgroupMovesWait() });
    made.catch(() => undefined); // handled: `await joined` below throws it
    const fifo = path.join(stateDir, EXEC_FIFO);
    mkfifo(fifo, 0o622);
    chmod(fifo, 0o622); // mkfifo's mode passes through the umask; a non-root init must write it
    const owner = hostRootIds(spec);
    chown(fifo, owner.uid, owner.gid);
    mark("exec.fifo made");
    if (opts.consoleSocket) consoleFd = connectUnix(opts.consoleSocket);
    const console = consoleFd ?? opts.consoleFd;
    stateDirFd = open(stateDir, O_PATH | O_DIRECTORY);
    // Socket activation (runc's rule): fds passed to us for LISTEN_PID come first, then
    // the --preserve-fds ones; the program is told with LISTEN_FDS/LISTEN_PID=1.
    const listenFds = socketActivationFds(process.env, process.pid);
    // Only this process is told: the saved config stays the user's, so a later exec does not inherit it.
    const initSpec = forTheInit(spec, listenFds, opts.consoleSize);
    const preserveFds = listenFds + (opts.preserveFds ?? 0);
    // The helper's fds: stdio and preserved fds, the sync socket, then these.
    const stdio = Array.from({ length: 3 + preserveFds }, (_, i) => i);
    const extra = console === undefined ? [stateDirFd] : [stateDirFd, console];
    const fdInHelper = (fd: number) => stdio.length + 1 + extra.indexOf(fd);
    // The helper joins the cgroups, once they exist, before it forks (on cgroup v2 it clones the
    // init into them instead), so the init is born inside them and a new cgroup namespace is
    // rooted at the container's cgroup. The join may wait for the kernel: the plan compiles meanwhile.
    helper = spawnHelper(await platform().initBinary(), stdio, extra);
    // Its namespaces first: the kernel makes them while the rest compiles and the cgroups are
    // joined (plan/compile.ts says when they cannot come first).
    const early = compileEarlyStage(initSpec);
    if (early.length > 0) sendPlan(helper.sock, { steps: early });
    mark("skiff-init spawned");
    const helperPid = helper.pid; // fixed for the callback: `helper` is a `let`
    joined = bornIn === undefined ? made.then(() => manager.apply(helperPid)) : made;
    joined.catch(() => undefined); // handled: it may fail while the plan compiles; `await joined` below still throws
    const idMaps = idMapMethod(spec, host);
    const granted = grantedCapabilities(spec.process?.capabilities, hasNamespace(spec.linux?.namespaces, "user"), host.capabilities);
    for (const w of granted.warnings) log("warning", w);
    if (spec.mounts?.length && !hasNamespace(spec.linux?.namespaces, "mount")) {
      log("warning", "mounts: not mounted: without a mount namespace they would change the runtime's own mounts");
    }
    checkRlimitsAgainstHost(rlimitPlan(spec.process?.rlimits), host);
    // A rootless user's systemd says where the unit's cgroup is only as it starts it, and a
    // rootless create skips the hierarchies it may not write: the plan (a cgroup mount binds
    // those directories) waits for them.
    if (opts.rootless) await joinedOrHelperReport(joined, helper, { steps: early });
    const plan: Plan = compileCreatePlan({
      id,
      host,
      sessionKeyring: opts.noNewKeyring ? undefined : `_ses.${id}`,
      setgroupsDenied: idMaps === "own-ids",
      capabilities: granted.sets,
      spec: initSpec,
      bundle,
      rootfs,
      nonDirectorySources: nonDirectorySources(spec, bundle),
      cgroups: { mode: cgroups.mode, paths: cgroups.saved.paths, cgroupns: hasNamespace(spec.linux?.namespaces, "cgroup"), hostSysBound: bindsHostSys(spec.mounts) },
      stateDirFd: fdInHelper(stateDirFd),
      mode: opts.mode ?? "detach",
      noPivot: opts.noPivot ?? false,
      preserveFds,
      consoleSocketFd: console === undefined ? undefined : fdInHelper(console),
      seccomp: await seccompProgram(spec, store),
      bornInCgroup: bornIn,
    });
    mark("plan compiled");
    await joinedOrHelperReport(joined, helper, plan);
    mark("helper joined the cgroups");
    const delegate = cgroupDelegate(spec);
    if (delegate !== undefined) cgroups.delegate(delegate);
    // The device rules go in before skiff-init goes on: on cgroup v1 they are rewritten from
    // "deny all", and a device it opens meanwhile (/dev/ptmx for the console) would be refused.
    // The other limits go in while skiff-init makes the mounts (runc sets them once its init is
    // set up): nothing of the container's own runs before "ready". The pids limit waits for
    // "ready": skiff-init's fork of the init and its hooks must not count against it (a limit of
    // 1 is the init alone).
    const { pids, devices, ...others } = resources;
    if (devices) cgroups.set({ devices });
    const channel = new InitChannel(helper.sock, plan);
    try {
      sendPlan(helper.sock, laterStage(plan, early));
    } catch (e) {
      // A helper that failed in the early stage is gone: its report, read below, says why.
      if (errnoOf(e) !== EPIPE) throw e;
    }
    try {
      cgroups.set(others);
    } catch (e) {
      initPid = forkedInit(channel);
      throw e;
    }
    mark("plan sent, resources set");
    channel.until("ready", "skiff-init exited without reporting", (event) => {
      if (event.type === "pid") initPid = event.pid;
      else if (event.type === "maps") {
        writeIdMaps(event.pid, spec, idMaps);
        channel.ack(true);
      } else if (event.type === "sync" && event.tag === SyncTag.CREATE_RUNTIME) {
        hooksStarted = true;
        const subject = hookSubject();
        try {
          // prestart is deprecated but still run, before createRuntime (config.md).
          runHooks("prestart", spec.hooks?.prestart, hookState(subject, "created"));
          runHooks("createRuntime", spec.hooks?.createRuntime, hookState(subject, "created"));
        } catch (e) {
          channel.ack(false);
          throw e;
        }
        channel.ack(true, [JSON.stringify(hookState(subject, "created"))]);
      }
    });
    mark("init ready: namespaces, mounts, pivot_root");
    if (pids) cgroups.set({ pids });
    const stat = await readProcStat(initPid);
    if (!stat) throw new SkiffError("Internal", `container init ${initPid} vanished during create`);
    const record = recordOf(initPid, stat.startTime, cgroups.saved);
    store.save(record);
    mark("state.json written");
    if (opts.pidFile) writePidFile(opts.pidFile, initPid);
    return { record, helper, channel };
  } catch (e) {
    trace("create failed, unwinding: %s", (e as Error).message);
    // A `delete --force` meanwhile (it holds the directory's lock while it works) took the
    // container: that, not the broken pipe or vanished file it left this create with, failed it.
    const deleted = await store.withLock(id, async () => !exists(stateDir));
    if (initPid) await killAndReap(initPid);
    // no cgroup mkdir or write may be in flight while they are removed
    await (joined ?? made)?.catch(() => undefined);
    if (helper) {
      helper.child.kill("SIGKILL");
      close(helper.sock);
    }
    try {
      await cgroups?.destroy();
    } catch (err) {
      trace("cgroup cleanup: %s", (err as Error).message);
    }
    await store.remove(id);
    // A failed create whose hooks began continues at the poststop step (runtime.md "Lifecycle").
    if (hooksStarted) runPoststopHooks(spec.hooks?.poststop, hookState(hookSubject(), "stopped"));
    throw deleted ? new SkiffError("NotFound", `container ${id} was deleted while it was being created`) : e;
  } finally {
    if (consoleFd !== undefined) close(consoleFd);
    if (stateDirFd !== undefined) close(stateDirFd);
  }
}
