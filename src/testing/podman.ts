// A private podman for the client tests: its own storage root, run root, tmpdir and
// containers.conf under a temporary directory, cgroupfs (or, given, systemd's cgroup manager),
// file events, no network. The
// containers.conf is the one README shows (plus default_ulimits = []: this machine lacks
// CAP_SYS_RESOURCE, so podman's default nofile limit could not be set).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { engineCgroupParents, SKIFF } from "./harness.js";
import { busyboxImageArchive, IMAGE } from "./image.js";
import { tempDirName } from "./temp-dirs.js";

export type CgroupManagerName = "cgroupfs" | "systemd";

export function containersConf(skiff: string, cgroupManager: CgroupManagerName = "cgroupfs"): string {
  return [
    "[containers]",
    "default_ulimits = []",
    'netns = "none"',
    "[engine]",
    `cgroup_manager = "${cgroupManager}"`,
    'events_logger = "file"',
    'runtime = "skiff"',
    "[engine.runtimes]",
    `skiff = ["${skiff}"]`,
  ].join("\n") + "\n";
}

export class Podman {
  /** made by start() */
  readonly dir = tempDirName("skiff-podman-");
  private readonly env = { ...process.env, CONTAINERS_CONF: path.join(this.dir, "containers.conf") };
  /** podman's cgroupfs manager puts containers and conmon under libpod_parent (systemd's: machine.slice) */
  private readonly cgroupParents: { remove(): void };

  constructor(readonly cgroupManager: CgroupManagerName = "cgroupfs") {
    this.cgroupParents = cgroupManager === "cgroupfs" ? engineCgroupParents(["libpod_parent", "libpod_parent/conmon"]) : { remove: () => undefined };
  }

  start(): void {
    fs.mkdirSync(this.dir, { mode: 0o700 });
    fs.writeFileSync(this.env.CONTAINERS_CONF, containersConf(SKIFF, this.cgroupManager));
    this.ok(["load", "-i", busyboxImageArchive(this.dir)]);
  }

  podman(args: string[], opts: { timeoutMs?: number } = {}): SpawnSyncReturns<string> {
    const globals = ["--root", path.join(this.dir, "root"), "--runroot", path.join(this.dir, "runroot"), "--tmpdir", path.join(this.dir, "tmp")];
    // cwd: conmon drops an "oom" marker file in its working directory when a container is OOM-killed.
    return spawnSync("podman", [...globals, ...args], { encoding: "utf8", env: this.env, cwd: this.dir, timeout: opts.timeoutMs ?? 60_000 });
  }

  /** The same call under a pseudo-terminal (`script`), for -it. */
  podmanTty(args: string[]): SpawnSyncReturns<string> {
    const globals = ["--root", path.join(this.dir, "root"), "--runroot", path.join(this.dir, "runroot"), "--tmpdir", path.join(this.dir, "tmp")];
    const cmd = ["podman", ...globals, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    return spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", env: this.env, cwd: this.dir, timeout: 60_000 });
  }

  ok(args: string[]): SpawnSyncReturns<string> {
    const r = this.podman(args);
    if (r.status !== 0) throw new Error(`podman ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return r;
  }

  /** Removes every container (force), unmounts the storage, removes the directory. */
  stop(): void {
    this.podman(["rm", "--all", "--force", "--time", "0"]);
    this.podman(["system", "reset", "--force"]);
    spawnSync("umount", ["-R", path.join(this.dir, "root")]);
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.cgroupParents.remove();
  }
}

export { IMAGE };
