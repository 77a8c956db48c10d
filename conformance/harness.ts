// The conformance harness: builds bundles, drives any OCI runtime through its standard
// operations (create, start, state, kill, delete), and cleans up after every test.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultMounts } from "../src/spec/default-spec.js";
import type { Hook, Spec, State } from "../src/spec/types.js";
import { check, fail } from "./assert.js";
import { existingCgroupDirs, removeCgroupTree, type HostFacts } from "./host.js";
import { parseMountInfo, parseProbeOutput, type ProbeReport } from "./probe-report.js";
import type { Clause } from "./results.js";

export interface ConformanceTest {
  /** area.name, unique; --only matches it. */
  id: string;
  clause: Clause;
  run(t: TestContext): Promise<void>;
}

export interface RunResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** "`runtime kill x USR1` exited 1: <stderr>" — what a failure message quotes. */
export function describeRun(r: RunResult): string {
  const how = r.signal !== null ? `was killed by ${r.signal}` : `exited ${r.code}`;
  const stderr = r.stderr.trim();
  return `\`runtime ${r.args.join(" ")}\` ${how}${stderr === "" ? "" : `: ${stderr.slice(0, 400)}`}`;
}

const CALL_TIMEOUT_MS = 30_000;

/**
 * Invokes the runtime under test. Global options go before each operation only when the user
 * asks for them (RUNTIME_ROOT, RUNTIME_ARGS): runtimes default their own roots.
 */
export class Runtime {
  constructor(
    readonly binary: string,
    readonly globalArgs: readonly string[],
  ) {}

  /**
   * Runs one operation. `stdio` names files for the runtime's stdout/stderr; `create` passes
   * the container's own output files there, since the container inherits them and outlives the
   * call. Otherwise the output is captured through pipes.
   */
  run(args: string[], options: { cwd: string; stdio?: { stdout: string; stderr: string } }): Promise<RunResult> {
    const files = options.stdio;
    const fds = files ? [fs.openSync(files.stdout, "a"), fs.openSync(files.stderr, "a")] : undefined;
    const stderrStart = fds ? fs.fstatSync(fds[1]!).size : 0;
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, [...this.globalArgs, ...args], {
        cwd: options.cwd,
        stdio: ["ignore", fds ? fds[0]! : "pipe", fds ? fds[1]! : "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), CALL_TIMEOUT_MS);
      const finish = (): void => {
        clearTimeout(timer);
        for (const fd of fds ?? []) fs.closeSync(fd);
      };
      child.on("error", (err) => {
        finish();
        reject(err);
      });
      // With files, "exit" is the end: the container may hold them open much longer.
      child.on(files ? "exit" : "close", (code: number | null, signal: NodeJS.Signals | null) => {
        finish();
        if (files) stderr = fs.readFileSync(files.stderr).subarray(stderrStart).toString();
        resolve({ args, code, signal, stdout, stderr });
      });
    });
  }
}

/** readlink of /proc/<pid>/<file> for a pid the runtime reported; a failure if it names no process. */
export function procLink(pid: number | undefined, file: string): string {
  check(pid !== undefined && fs.existsSync(`/proc/${pid}`), `the runtime's pid ${pid} names no process`);
  return fs.readlinkSync(`/proc/${pid}/${file}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `probe` returns a value, or fails the test after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export interface Bundle {
  dir: string;
  rootfs: string;
  spec: Spec;
  /** Writes spec to config.json; tests call it again after changing spec. */
  write(): void;
}

/** Busybox applets the tests' shell snippets use (symlinks to /bin/busybox in each rootfs). */
const APPLETS = ["sh", "cat", "echo", "sleep", "touch", "ls", "mkdir", "true", "false", "test", "kill", "id", "readlink", "mknod"];

export interface SuiteConfig {
  runtime: Runtime;
  busybox: string;
  probe: string;
  tmpdir: string;
  ociVersion: string;
  keep: boolean;
  host: HostFacts;
  /** Unique per run, so ids and cgroups of concurrent or crashed runs never collide. */
  runPrefix: string;
}

/** A minimal, valid config: the probe as process, new pid/net/ipc/uts/mount namespaces. */
export function baseSpec(ociVersion: string, cgroupsPath: string): Spec {
  const caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
  return {
    ociVersion,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ["/probe", "report"],
      env: ["PATH=/bin:/usr/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: { bounding: caps, effective: caps, permitted: caps },
    },
    root: { path: "rootfs", readonly: false },
    // runc's example mounts (skiff spec's), without the cgroup mount: the cgroup clauses add their own.
    mounts: defaultMounts().filter((m) => m.type !== "cgroup"),
    linux: {
      namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
      cgroupsPath,
    },
  };
}

/** Everything the rootfs needs: busybox with applet links, the probe, passwd/group. */
function populateRootfs(rootfs: string, busybox: string, probe: string): void {
  for (const dir of ["bin", "proc", "sys", "dev", "tmp", "etc", "hooks-out"]) fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
  fs.chmodSync(path.join(rootfs, "tmp"), 0o1777);
  fs.copyFileSync(busybox, path.join(rootfs, "bin/busybox"));
  for (const applet of APPLETS) fs.symlinkSync("busybox", path.join(rootfs, "bin", applet));
  fs.copyFileSync(probe, path.join(rootfs, "probe"));
  fs.chmodSync(path.join(rootfs, "probe"), 0o755);
  fs.writeFileSync(path.join(rootfs, "etc/passwd"), "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  fs.writeFileSync(path.join(rootfs, "etc/group"), "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n");
}

/**
 * Hook writing the state it gets on stdin to `<outDir>/<name>.json`, its mount namespace to
 * `<outDir>/<name>.mntns` and its name to `<outDir>/order`.
 */
export function recordingHook(name: string, outDir: string, extra = ""): Hook {
  const script = `cat > ${outDir}/${name}.json; readlink /proc/self/ns/mnt > ${outDir}/${name}.mntns; echo ${name} >> ${outDir}/order`;
  return { path: "/bin/sh", args: ["sh", "-c", `${script}${extra}`] };
}

/** A container and the operations on it; every created id is cleaned up by its test context. */
export class Container {
  readonly out: string;
  readonly err: string;

  constructor(
    private readonly t: TestContext,
    readonly bundle: Bundle,
    readonly id: string,
  ) {
    this.out = path.join(bundle.dir, "container.out");
    this.err = path.join(bundle.dir, "container.err");
  }

  /** `create --bundle <abs> [--pid-file F] <id>` with cwd = the bundle, as runtime-tools does. */
  create(options: { pidFile?: string; bundleArg?: string; cwd?: string } = {}): Promise<RunResult> {
    this.t.track(this);
    const args = ["create", "--bundle", options.bundleArg ?? this.bundle.dir];
    if (options.pidFile !== undefined) args.push("--pid-file", options.pidFile);
    args.push(this.id);
    return this.t.runtime.run(args, { cwd: options.cwd ?? this.bundle.dir, stdio: { stdout: this.out, stderr: this.err } });
  }

  start(): Promise<RunResult> {
    return this.op(["start", this.id]);
  }

  state(): Promise<RunResult> {
    return this.op(["state", this.id]);
  }

  kill(signal: string): Promise<RunResult> {
    return this.op(["kill", this.id, signal]);
  }

  delete(force = false): Promise<RunResult> {
    return this.op(force ? ["delete", "--force", this.id] : ["delete", this.id]);
  }

  private op(args: string[]): Promise<RunResult> {
    return this.t.runtime.run(args, { cwd: this.bundle.dir });
  }

  async createOk(options: { pidFile?: string } = {}): Promise<void> {
    const r = await this.create(options);
    check(r.code === 0, `create failed: ${describeRun(r)}`);
  }

  async startOk(): Promise<void> {
    const r = await this.start();
    check(r.code === 0, `start failed: ${describeRun(r)}`);
  }

  async deleteOk(): Promise<void> {
    const r = await this.delete();
    check(r.code === 0, `delete failed: ${describeRun(r)}`);
  }

  /** The state JSON; fails the test if the operation errors or prints something else. */
  async stateOk(): Promise<State> {
    const r = await this.state();
    check(r.code === 0, `state failed: ${describeRun(r)}`);
    try {
      return JSON.parse(r.stdout) as State;
    } catch {
      fail(`state printed no JSON: ${JSON.stringify(r.stdout.slice(0, 300))}`);
    }
  }

  async waitForStatus(status: State["status"], timeoutMs = 10_000): Promise<State> {
    return waitFor(`status ${status} of ${this.id}`, timeoutMs, async () => {
      const state = await this.stateOk();
      return state.status === status ? state : undefined;
    });
  }

  /** create, start, wait for the process to exit, and parse the probe's report. */
  async runToCompletion(): Promise<ProbeReport> {
    await this.createOk();
    await this.startOk();
    await this.waitForStatus("stopped");
    const output = fs.readFileSync(this.out, "utf8");
    try {
      return parseProbeOutput(output);
    } catch (err) {
      const stderr = fs.existsSync(this.err) ? fs.readFileSync(this.err, "utf8").slice(0, 400) : "";
      fail(`${(err as Error).message}; container stderr: ${JSON.stringify(stderr)}`);
    }
  }

  /** The container's stdout so far. */
  output(): string {
    return fs.existsSync(this.out) ? fs.readFileSync(this.out, "utf8") : "";
  }
}

/** Per-test resources; `cleanup` undoes everything even when the test failed half-way. */
export class TestContext {
  private readonly containers: Container[] = [];
  private readonly bundles: Bundle[] = [];
  /** Every relative cgroupsPath any bundle of this test was written with. */
  private readonly cgroupsPaths = new Set<string>();
  private counter = 0;

  constructor(
    readonly suite: SuiteConfig,
    readonly testId: string,
  ) {}

  /** The test id as it may appear in file, container and cgroup names. */
  private get slug(): string {
    return this.testId.replace(/[^\w.-]/g, "_");
  }

  get runtime(): Runtime {
    return this.suite.runtime;
  }

  get host(): HostFacts {
    return this.suite.host;
  }

  /** A fresh bundle under $TMPDIR with the base config, changed by `configure` and written. */
  bundle(configure?: (spec: Spec, bundle: Bundle) => void): Bundle {
    const dir = fs.mkdtempSync(path.join(this.suite.tmpdir, `oci-conformance-${this.slug}-`));
    // mkdtemp makes it 0700; container users mapped to other host ids must reach the rootfs.
    fs.chmodSync(dir, 0o755);
    const rootfs = path.join(dir, "rootfs");
    populateRootfs(rootfs, this.suite.busybox, this.suite.probe);
    const spec = baseSpec(this.suite.ociVersion, `${this.suite.runPrefix}-${this.slug}-b${this.bundles.length}`);
    const bundle: Bundle = {
      dir,
      rootfs,
      spec,
      write: () => {
        const cgroupsPath = spec.linux?.cgroupsPath;
        if (cgroupsPath !== undefined && !path.isAbsolute(cgroupsPath)) this.cgroupsPaths.add(cgroupsPath);
        fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(spec, null, 2));
      },
    };
    this.bundles.push(bundle);
    configure?.(spec, bundle);
    bundle.write();
    return bundle;
  }

  /** A container with a unique id (per run and test) on `bundle` (a fresh one by default). */
  container(bundle: Bundle = this.bundle()): Container {
    const id = `${this.suite.runPrefix}-${this.slug}-${this.counter++}`;
    return new Container(this, bundle, id);
  }

  track(container: Container): void {
    if (!this.containers.includes(container)) this.containers.push(container);
  }

  /** Kills and force-deletes containers, removes leftover cgroups and mounts, then bundles. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    for (const c of this.containers) {
      const state = await c.state();
      if (state.code !== 0) continue;
      await c.kill("KILL");
      const r = await c.delete(true);
      if (r.code !== 0) problems.push(`could not force-delete ${c.id}: ${describeRun(r)}`);
    }
    for (const cgroupsPath of this.cgroupsPaths) {
      for (const dir of existingCgroupDirs(this.host, cgroupsPath)) {
        try {
          removeCgroupTree(dir);
        } catch (err) {
          problems.push(`could not remove leftover cgroup ${dir}: ${(err as Error).message}`);
        }
      }
    }
    for (const bundle of this.bundles) {
      problems.push(...(await unmountUnder(bundle.dir)));
      if (!this.suite.keep) fs.rmSync(bundle.dir, { recursive: true, force: true });
    }
    return problems;
  }
}

/** Lazily unmounts anything a runtime left mounted inside `dir` in our mount namespace. */
async function unmountUnder(dir: string): Promise<string[]> {
  const leftovers = parseMountInfo(fs.readFileSync("/proc/self/mountinfo", "utf8"))
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .reverse();
  const problems: string[] = [];
  for (const mountPoint of leftovers) {
    const code = await new Promise<number | null>((resolve) => {
      spawn("umount", ["-l", mountPoint], { stdio: "ignore" }).on("exit", resolve);
    });
    problems.push(`unmounted leftover mount ${mountPoint}${code === 0 ? "" : " (failed)"}`);
  }
  return problems;
}

