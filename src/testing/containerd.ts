// A private containerd for the client tests: its own root, state, sockets and config under a
// temporary directory (never the machine's /run/containerd), started and stopped by pid.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { engineCgroupParents, waitFor } from "./harness.js";
import { busyboxImageArchive, IMAGE } from "./image.js";

export class Containerd {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-containerd-"));
  readonly address = path.join(this.dir, "containerd.sock");
  /** where the shim keeps runc-style state for skiff (--runc-root) */
  readonly runcRoot = path.join(this.dir, "runc");
  /** ctr's IO FIFOs (--fifo-dir), instead of /run/containerd/fifo */
  readonly fifoDir = path.join(this.dir, "fifo");
  private daemon?: ChildProcess;
  /** containerd 1.6 shims always put their sockets in /run/containerd/s: removed if we made it */
  private readonly madeRunDir = !fs.existsSync("/run/containerd");
  /** ctr puts containers in /<namespace>/<id>: the "default" parent is made on first use */
  private readonly cgroupParents = engineCgroupParents(["default"]);

  async start(): Promise<void> {
    const config = path.join(this.dir, "config.toml");
    fs.writeFileSync(
      config,
      [
        "version = 2",
        `root = "${this.dir}/root"`,
        `state = "${this.dir}/state"`,
        `disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]`,
        "[grpc]",
        `  address = "${this.address}"`,
        "[ttrpc]",
        `  address = "${this.address}.ttrpc"`,
        "[debug]",
        `  address = ""`,
        "[metrics]",
        `  address = ""`,
      ].join("\n") + "\n",
    );
    const log = fs.openSync(path.join(this.dir, "containerd.log"), "w");
    this.daemon = spawn("containerd", ["--config", config], { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    if (!(await waitFor(() => fs.existsSync(this.address), 20_000))) throw new Error(`containerd did not start: ${this.log()}`);
    this.ok(["images", "import", busyboxImageArchive(this.dir)]);
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, "containerd.log"), "utf8");
    } catch {
      return "";
    }
  }

  ctr(args: string[], opts: { input?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
    return spawnSync("ctr", ["--address", this.address, ...args], { encoding: "utf8", input: opts.input, timeout: opts.timeoutMs ?? 60_000 });
  }

  ok(args: string[]): SpawnSyncReturns<string> {
    const r = this.ctr(args);
    if (r.status !== 0) throw new Error(`ctr ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return r;
  }

  /** Stops every task and container, then the daemon (by pid), and removes the directory. */
  async stop(): Promise<void> {
    for (const line of this.ctr(["tasks", "ls", "-q"]).stdout.split("\n").filter(Boolean)) this.ctr(["tasks", "kill", "-s", "SIGKILL", line]);
    for (const line of this.ctr(["tasks", "ls", "-q"]).stdout.split("\n").filter(Boolean)) this.ctr(["tasks", "delete", "-f", line]);
    for (const line of this.ctr(["containers", "ls", "-q"]).stdout.split("\n").filter(Boolean)) this.ctr(["containers", "delete", line]);
    if (this.daemon?.pid) {
      this.daemon.kill("SIGTERM");
      await new Promise((r) => (this.daemon!.exitCode !== null ? r(undefined) : this.daemon!.once("exit", r)));
    }
    spawnSync("umount", ["-R", path.join(this.dir, "root")]);
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.cgroupParents.remove();
    if (this.madeRunDir) {
      for (const d of ["/run/containerd/s", "/run/containerd/fifo", "/run/containerd"]) {
        try {
          fs.rmdirSync(d); // only if empty: nothing of anyone else's goes
        } catch {
          // not there, or not empty
        }
      }
    }
  }
}

export { IMAGE };
