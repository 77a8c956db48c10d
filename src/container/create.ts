// `create`: claim the id, compile the plan, start skiff-init, follow it until the container
// waits for `start`; then record state and the pid file. Any failure unwinds everything made.
import * as fs from "node:fs";
import * as path from "node:path";
import { createCgroupManager, defaultDeviceRules, type CgroupManager } from "../cgroups/index.js";
import { warmUpCgroupAttach } from "../cgroups/warm-up.js";
import { SkiffError } from "../errors.js";
import { connectUnix, mkfifo } from "../linux/libc.js";
import { log, trace } from "../log.js";
import { grantedCapabilities } from "../plan/capabilities.js";
import { checkRlimitsAgainstHost, rlimitPlan } from "../plan/rlimits.js";
import { ack, readMessage, sendPlan, spawnHelper, type Helper } from "../native.js";
import { compileCreatePlan } from "../plan/compile.js";
import { hasNamespace } from "../plan/namespaces.js";
import type { Plan } from "../plan/plan.js";
import type { SeccompProgram } from "../plan/process.js";
import { Msg, SyncTag } from "../plan/protocol.js";
import { platform } from "../platform/index.js";
import { loadConfig } from "../spec/load.js";
import type { LinuxResources, Spec } from "../spec/types.js";
import { hookState, runHooks, runPoststopHooks } from "./hooks.js";
import { hostRootIds, writeIdMaps } from "./id-maps.js";
import { readProcStat } from "./proc.js";
import { killAndReap } from "./reap.js";
import { EXEC_FIFO, StateStore, writePidFile, type ContainerRecord } from "./state-store.js";
import { stepError } from "./step-error.js";

export interface CreateOptions {
  store: StateStore;
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  preserveFds?: number;
  systemdCgroup?: boolean;
  /** "wait": keep the helper as the init's parent to collect its exit status (run) */
  mode?: "detach" | "wait";
}

export interface Created {
  record: ContainerRecord;
  helper: Helper;
}

const O_PATH = 0o10000000;
const O_DIRECTORY = 0o200000;

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return true; // a missing source fails at mount time with a message naming it
  }
}

function rootfsOf(spec: Spec, bundle: string): string {
  const root = spec.root?.path;
  if (!root) throw new SkiffError("InvalidConfig", "config.json: /root/path: is required");
  const rootfs = path.resolve(bundle, root);
  let st: fs.Stats;
  try {
    st = fs.statSync(rootfs);
  } catch {
    throw new SkiffError("InvalidConfig", `config.json: /root/path: rootfs ${rootfs} does not exist`);
  }
  if (!st.isDirectory()) throw new SkiffError("InvalidConfig", `config.json: /root/path: rootfs ${rootfs} is not a directory`);
  return rootfs;
}

/** Loaded only when asked for: libseccomp through FFI costs start-up time. */
async function seccompProgram(spec: Spec, cacheDir: string): Promise<SeccompProgram | undefined> {
  if (!spec.linux?.seccomp) return undefined;
  const { compileSeccompCached } = await import("../linux/seccomp.js");
  const compiled = compileSeccompCached(spec.linux.seccomp, cacheDir);
  return { bpf: compiled.bpf, flags: compiled.flags.reduce((a, f) => a | f, 0) };
}

/** linux.resources plus the device rules every container gets (runc appends the same). */
function effectiveResources(spec: Spec): LinuxResources {
  const r = spec.linux?.resources ?? {};
  return { ...r, devices: [...(r.devices ?? []), ...defaultDeviceRules(spec.linux?.devices)] };
}

export async function createContainer(opts: CreateOptions): Promise<Created> {
  void warmUpCgroupAttach();
  const bundle = path.resolve(opts.bundle);
  const spec = loadConfig(bundle);
  const rootfs = rootfsOf(spec, bundle);
  const { store, id } = opts;
  const stateDir = store.claim(id);
  let cgroups: CgroupManager | undefined;
  let helper: Helper | undefined;
  let initPid = 0;
  let consoleFd: number | undefined;
  let stateDirFd: number | undefined;
  let hooksStarted = false;
  try {
    const fifo = path.join(stateDir, EXEC_FIFO);
    mkfifo(fifo, 0o622);
    fs.chmodSync(fifo, 0o622); // mkfifo's mode passes through the umask; a non-root init must write it
    const owner = hostRootIds(spec);
    fs.chownSync(fifo, owner.uid, owner.gid);
    cgroups = createCgroupManager({ id, cgroupsPath: spec.linux?.cgroupsPath, systemd: opts.systemdCgroup });
    cgroups.create();
    if (opts.consoleSocket) consoleFd = connectUnix(opts.consoleSocket);
    stateDirFd = fs.openSync(stateDir, O_PATH | O_DIRECTORY);
    const preserveFds = opts.preserveFds ?? 0;
    // The helper's fds: stdio and preserved fds, the sync socket, then these.
    const stdio = Array.from({ length: 3 + preserveFds }, (_, i) => i);
    const extra = consoleFd === undefined ? [stateDirFd] : [stateDirFd, consoleFd];
    const fdInHelper = (fd: number) => stdio.length + 1 + extra.indexOf(fd);
    const granted = grantedCapabilities(spec.process?.capabilities, hasNamespace(spec.linux?.namespaces, "user"));
    for (const w of granted.warnings) log("warning", w);
    checkRlimitsAgainstHost(rlimitPlan(spec.process?.rlimits));
    const plan: Plan = compileCreatePlan({
      capabilities: granted.sets,
      spec,
      bundle,
      rootfs,
      isDirectory,
      cgroups: { mode: cgroups.mode, paths: cgroups.saved.paths, cgroupns: hasNamespace(spec.linux?.namespaces, "cgroup") },
      stateDirFd: fdInHelper(stateDirFd),
      mode: opts.mode ?? "detach",
      noPivot: opts.noPivot ?? false,
      preserveFds,
      consoleSocketFd: consoleFd === undefined ? undefined : fdInHelper(consoleFd),
      seccomp: await seccompProgram(spec, path.join(store.root, ".seccomp-cache")),
    });
    helper = spawnHelper(platform().initBinary(), stdio, extra);
    // The helper joins the cgroups before it forks, so the init is born inside them and a
    // new cgroup namespace is rooted at the container's cgroup.
    cgroups.apply(helper.pid);
    cgroups.set(effectiveResources(spec));
    sendPlan(helper.sock, plan);
    for (;;) {
      const msg = readMessage(helper.sock);
      if (!msg) throw new SkiffError("Internal", "skiff-init exited without reporting");
      trace("init message %o", msg);
      if (msg.type === Msg.PID) initPid = msg.a;
      else if (msg.type === Msg.MAPS) {
        writeIdMaps(msg.a, spec);
        ack(helper.sock, true);
      } else if (msg.type === Msg.SYNC && msg.a === SyncTag.CREATE_RUNTIME) {
        hooksStarted = true;
        const subject = { ociVersion: spec.ociVersion, id, pid: initPid, bundle, annotations: spec.annotations };
        try {
          // prestart is deprecated but still run, before createRuntime (config.md).
          runHooks("prestart", spec.hooks?.prestart, hookState(subject, "creating"));
          runHooks("createRuntime", spec.hooks?.createRuntime, hookState(subject, "creating"));
        } catch (e) {
          ack(helper.sock, false);
          throw e;
        }
        ack(helper.sock, true, [JSON.stringify(hookState(subject, "creating")), JSON.stringify(hookState(subject, "created"))]);
      } else if (msg.type === Msg.ERROR) throw stepError(plan, msg);
      else if (msg.type === Msg.READY) break;
    }
    const stat = readProcStat(initPid);
    if (!stat) throw new SkiffError("Internal", `container init ${initPid} vanished during create`);
    const record: ContainerRecord = {
      ociVersion: spec.ociVersion,
      id,
      pid: initPid,
      initStartTime: stat.startTime,
      bundle,
      rootfs,
      created: new Date().toISOString(),
      owner: "",
      annotations: spec.annotations,
      cgroups: cgroups.saved,
      config: spec,
    };
    store.save(record);
    if (opts.pidFile) writePidFile(opts.pidFile, initPid);
    return { record, helper };
  } catch (e) {
    trace("create failed, unwinding: %s", (e as Error).message);
    if (initPid) killAndReap(initPid);
    if (helper) {
      helper.child.kill("SIGKILL");
      fs.closeSync(helper.sock);
    }
    try {
      cgroups?.destroy();
    } catch (err) {
      trace("cgroup cleanup: %s", (err as Error).message);
    }
    store.remove(id);
    // A failed create whose hooks began continues at the poststop step (runtime.md "Lifecycle").
    if (hooksStarted) runPoststopHooks(spec.hooks?.poststop, hookState({ ociVersion: spec.ociVersion, id, pid: initPid, bundle, annotations: spec.annotations }, "stopped"));
    throw e;
  } finally {
    if (consoleFd !== undefined) fs.closeSync(consoleFd);
    if (stateDirFd !== undefined) fs.closeSync(stateDirFd);
  }
}
