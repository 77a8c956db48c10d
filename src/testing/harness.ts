// Shared by the integration tests: busybox bundles, running the built dist/skiff, and the
// checks that a container left nothing behind. Tests run as root on the real kernel.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defaultSpec } from "../spec/default-spec.js";
import type { Spec } from "../spec/types.js";
import { cgroupMode } from "./host.js";
import { removeWhenFileDone, tempDirForFile } from "./temp-dirs.js";

export const SKIFF = process.env.SKIFF_BIN ?? path.resolve(import.meta.dirname, "../../dist/skiff");
const BUSYBOX = "/bin/busybox";

let baseRootfs: string | undefined;

/** A busybox rootfs built once per test process; bundles copy it. */
export function busyboxRootfs(): string {
  if (baseRootfs) return baseRootfs;
  const dir = tempDirForFile("skiff-rootfs-");
  fs.chmodSync(dir, 0o755);
  for (const d of ["bin", "etc", "proc", "sys", "dev", "tmp", "root"]) fs.mkdirSync(path.join(dir, d));
  fs.copyFileSync(BUSYBOX, path.join(dir, "bin/busybox"));
  fs.chmodSync(path.join(dir, "bin/busybox"), 0o755);
  const applets = spawnSync(BUSYBOX, ["--list"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const a of applets) if (a !== "busybox") fs.symlinkSync("busybox", path.join(dir, "bin", a));
  fs.writeFileSync(path.join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  fs.writeFileSync(path.join(dir, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  baseRootfs = dir;
  return dir;
}

export interface Bundle {
  dir: string;
  rootfs: string;
  config: Spec;
  /** rewrite config.json after changing `config` */
  save(): void;
}

let seq = 0;

/** A unique container id for this test process. */
export function uniqueId(prefix = "t"): string {
  return `${prefix}-${process.pid}-${++seq}`;
}

export function makeBundle(args: string[], edit?: (c: Spec) => void): Bundle {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-bundle-"));
  const rootfs = path.join(dir, "rootfs");
  spawnSync("cp", ["-a", busyboxRootfs(), rootfs]);
  const config = defaultSpec();
  config.process!.terminal = false;
  config.process!.args = args;
  edit?.(config);
  const bundle = { dir, rootfs, config, save: () => fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config, null, 2)) };
  bundle.save();
  return bundle;
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export class Runtime {
  private rootDir?: string;
  private readonly ids = new Set<string>();

  /**
   * The --root of this file's containers, made on first use: a file whose tests all skip runs
   * no afterAll, so a directory made up front would stay behind.
   */
  get root(): string {
    this.rootDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "skiff-root-"));
    return this.rootDir;
  }

  /** Runs skiff with --root; stdout/stderr captured through files (a container may keep them). */
  skiff(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Result {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-out-"));
    const o = fs.openSync(path.join(out, "stdout"), "w+");
    const e = fs.openSync(path.join(out, "stderr"), "w+");
    let r: SpawnSyncReturns<Buffer>;
    try {
      r = spawnSync(SKIFF, ["--root", this.root, ...args], {
        cwd: opts.cwd,
        input: opts.input,
        stdio: [opts.input === undefined ? "ignore" : "pipe", o, e],
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 30_000,
        killSignal: "SIGKILL", // `run` forwards SIGTERM to the container, which may ignore it
      });
    } finally {
      fs.closeSync(o);
      fs.closeSync(e);
    }
    const result = { status: r.status, stdout: fs.readFileSync(path.join(out, "stdout"), "utf8"), stderr: fs.readFileSync(path.join(out, "stderr"), "utf8") };
    fs.rmSync(out, { recursive: true, force: true });
    return result;
  }

  /** Like skiff(), but the command must succeed. */
  ok(args: string[], opts: Parameters<Runtime["skiff"]>[1] = {}): Result {
    const r = this.skiff(args, opts);
    if (r.status !== 0) throw new Error(`skiff ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return r;
  }

  /** Containers to delete --force at cleanup. */
  track(id: string): string {
    this.ids.add(id);
    return id;
  }

  /** A directory removed when the file's tests are done (after cleanup() deleted the containers). */
  trackDir(dir: string): string {
    removeWhenFileDone(dir);
    return dir;
  }

  state(id: string): { status: string; pid: number; bundle: string; id: string; ociVersion: string; annotations?: Record<string, string> } {
    return JSON.parse(this.ok(["state", id]).stdout);
  }

  cleanup(): void {
    for (const id of this.ids) this.skiff(["delete", "--force", id]);
    if (this.rootDir) fs.rmSync(this.rootDir, { recursive: true, force: true });
  }
}

/** Every cgroup directory named `name` below the v1/v2 hierarchies (a leftover if any). */
export function cgroupDirsNamed(name: string): string[] {
  return cgroupDirsMatching((n) => n === name);
}

/** Every cgroup directory whose name passes `match`, below the v1/v2 hierarchies. */
export function cgroupDirsMatching(match: (name: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (match(e.name)) found.push(p);
      walk(p, depth + 1);
    }
  };
  walk("/sys/fs/cgroup", 0);
  return found;
}

export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** Polls (tests only) until cond holds or the timeout passes. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/**
 * Parent cgroups an engine makes for its containers (containerd's "default" namespace, podman's
 * "libpod_parent"): snapshot which are missing now, and remove again (if empty) those that a
 * test run created. `names` are paths below each hierarchy's root (on a pure cgroup v2 host, below
 * /sys/fs/cgroup itself), parents first.
 */
export function engineCgroupParents(names: string[]): { remove(): void } {
  const top = "/sys/fs/cgroup";
  const pureV2 = cgroupMode === "v2";
  const before = new Set(fs.readdirSync(top));
  const roots = pureV2 ? [top] : [...before].map((h) => path.join(top, h));
  const missing = roots.flatMap((r) => names.map((n) => path.join(r, n))).filter((d) => !fs.existsSync(d));
  return {
    remove() {
      for (const d of [...missing].reverse()) {
        try {
          fs.rmdirSync(d);
        } catch {
          // not made after all, or still in use
        }
      }
      if (pureV2) return; // /sys/fs/cgroup is the cgroup2 tree itself: no tmpfs to sweep
      // conmon also makes plain directories on a v1 host's /sys/fs/cgroup tmpfs for controllers
      // the host does not mount (hugetlb, net_cls, ...): new entries that are no mount points go.
      const tmpfs = fs.statSync(top).dev;
      for (const e of fs.readdirSync(top)) {
        const p = path.join(top, e);
        if (!before.has(e) && fs.statSync(p).dev === tmpfs) fs.rmSync(p, { recursive: true, force: true });
      }
    },
  };
}
