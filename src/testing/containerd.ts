// A private containerd for the client tests: its own root, state, sockets and config under a
// temporary directory (never the machine's /run/containerd), started and stopped by pid.
// Either ctr-only (the CRI plugin disabled, images in "default") or with the CRI plugin and a
// runtime entry naming skiff (images in "k8s.io", driven through testing/cri.ts).
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { unescapeMountinfo } from "../cgroups/mounts.js";
import { engineCgroupParents, SKIFF, waitFor } from "./harness.js";
import { BUSYBOX, busyboxImageArchive, IMAGE, PAUSE, PAUSE_IMAGE } from "./image.js";
import { tempDirName } from "./temp-dirs.js";

const CRI = "io.containerd.grpc.v1.cri";

/** README's Kubernetes example: the RuntimeClass handler (= the runtime entry's name) and its pod's command. */
export const CRI_HANDLER = "skiff";
export const HELLO_SCRIPT = "echo hello from skiff; sleep 3600";

/**
 * The CRI runtime entry that makes `runtime_handler: <name>` (a Kubernetes RuntimeClass's
 * handler) run containers with skiff through containerd's runc shim. README.md shows it with
 * /usr/local/bin/skiff and /run/skiff; src/testing/cri.test.ts keeps the two the same.
 */
export function criRuntimeEntry(name: string, binary: string, root: string, systemdCgroup = false): string {
  const table = `plugins."${CRI}".containerd.runtimes.${name}`;
  const lines = [`[${table}]`, `  runtime_type = "io.containerd.runc.v2"`, `  [${table}.options]`, `    BinaryName = "${binary}"`, `    Root = "${root}"`];
  if (systemdCgroup) lines.push("    SystemdCgroup = true");
  return lines.join("\n") + "\n";
}

export interface ContainerdOptions {
  /** enable the CRI plugin with a runtime entry of this name for skiff */
  criRuntime?: string;
  /** the runtime entry's SystemdCgroup: the shim calls skiff with --systemd-cgroup, pods name slices */
  systemdCgroup?: boolean;
}

export class Containerd {
  /** made by start() */
  readonly dir = tempDirName("skiff-containerd-");
  readonly address = path.join(this.dir, "containerd.sock");
  /** where the shim has skiff keep its state, below a directory per namespace (ctr's --runc-root, the CRI entry's Root) */
  readonly runcRoot = path.join(this.dir, "runc");
  /** with the CRI plugin: the Root of the default (runc) runtime entry, which pods asking for skiff never reach */
  readonly defaultRuntimeRoot = path.join(this.dir, "runc-default");
  /** ctr's IO FIFOs (--fifo-dir), instead of /run/containerd/fifo */
  readonly fifoDir = path.join(this.dir, "fifo");
  private daemon?: ChildProcess;
  /** containerd 1.6 shims always put their sockets in /run/containerd/s: removed if we made it */
  private readonly madeRunDir = !fs.existsSync("/run/containerd");
  /** the containerd namespace our containers and images live in (the CRI plugin's is k8s.io) */
  readonly namespace: string;
  /** containerd puts containers in /<namespace>/<id> (CRI: unless the pod names a cgroup_parent): made on first use */
  private readonly cgroupParents: { remove(): void };

  constructor(readonly options: ContainerdOptions = {}) {
    this.namespace = options.criRuntime ? "k8s.io" : "default";
    this.cgroupParents = engineCgroupParents([this.namespace]);
  }

  private config(): string {
    const disabled = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"];
    const cri = this.options.criRuntime
      ? [
          `[plugins."${CRI}"]`,
          `  sandbox_image = "${PAUSE_IMAGE}"`,
          // this machine's bounding set lacks CAP_SYS_RESOURCE: no oom_score_adj below containerd's own
          "  restrict_oom_score_adj = true",
          `[plugins."${CRI}".cni]`, // pods use the host's network: no CNI plugin ever runs
          `  bin_dir = "${this.dir}/cni/bin"`,
          `  conf_dir = "${this.dir}/cni/net.d"`,
          // the default handler stays runc (as in `containerd config default`): only pods asking for ours get skiff
          `[plugins."${CRI}".containerd.runtimes.runc]`,
          `  runtime_type = "io.containerd.runc.v2"`,
          `  [plugins."${CRI}".containerd.runtimes.runc.options]`,
          `    Root = "${this.defaultRuntimeRoot}"`,
          criRuntimeEntry(this.options.criRuntime, SKIFF, this.runcRoot, this.options.systemdCgroup),
        ]
      : [];
    return (
      [
        "version = 2",
        `root = "${this.dir}/root"`,
        `state = "${this.dir}/state"`,
        `disabled_plugins = ${JSON.stringify(this.options.criRuntime ? disabled : [CRI, ...disabled])}`,
        "[grpc]",
        `  address = "${this.address}"`,
        "[ttrpc]",
        `  address = "${this.address}.ttrpc"`,
        "[debug]",
        `  address = ""`,
        "[metrics]",
        `  address = ""`,
        ...cri,
      ].join("\n") + "\n"
    );
  }

  /** Whether start() mounted a tmpfs on our directory (stop() unmounts it). */
  private ownTmpfs = false;

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { mode: 0o700 });
    // The overlayfs snapshotter cannot stack on an overlayfs (a container's or the test
    // guest's root): work on a tmpfs of our own there.
    if (spawnSync("stat", ["-f", "-c", "%T", this.dir], { encoding: "utf8" }).stdout.trim() === "overlayfs") {
      const r = spawnSync("mount", ["-t", "tmpfs", "-o", "mode=0700", "skiff-containerd", this.dir], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`mounting a tmpfs on ${this.dir}: ${r.stderr}`);
      this.ownTmpfs = true;
    }
    const config = path.join(this.dir, "config.toml");
    fs.writeFileSync(config, this.config());
    const log = fs.openSync(path.join(this.dir, "containerd.log"), "w");
    this.daemon = spawn("containerd", ["--config", config], { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    if (!(await waitFor(() => fs.existsSync(this.address), 20_000))) throw new Error(`containerd did not start: ${this.log()}`);
    const criFailed = this.log().match(new RegExp(`.*failed to load plugin ${CRI}.*`));
    if (this.options.criRuntime && criFailed) throw new Error(`containerd's CRI plugin did not load: ${criFailed[0]}`);
    this.ok(["images", "import", busyboxImageArchive(this.dir, this.options.criRuntime ? [BUSYBOX, PAUSE] : [BUSYBOX])]);
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, "containerd.log"), "utf8");
    } catch {
      return "";
    }
  }

  ctr(args: string[], opts: { input?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
    return spawnSync("ctr", ["--address", this.address, "--namespace", this.namespace, ...args], { encoding: "utf8", input: opts.input, timeout: opts.timeoutMs ?? 60_000 });
  }

  ok(args: string[]): SpawnSyncReturns<string> {
    const r = this.ctr(args);
    if (r.status !== 0) throw new Error(`ctr ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return r;
  }

  /** Shims of this containerd still running (they carry its address on their command line). */
  shims(): number[] {
    return fs
      .readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
          return cmd.includes("containerd-shim") && cmd.includes(this.address);
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  /** Mount points below our directory (snapshots, pods' /dev/shm …), deepest first. */
  mounts(): string[] {
    const points = fs
      .readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => unescapeMountinfo(l.split(" ")[4] ?? ""))
      .filter((p) => p.startsWith(this.dir + "/"));
    return [...new Set(points)].reverse();
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
    for (const m of this.mounts()) spawnSync("umount", ["-l", m]);
    if (this.ownTmpfs) spawnSync("umount", ["-l", this.dir]);
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

export { IMAGE, PAUSE_IMAGE };
