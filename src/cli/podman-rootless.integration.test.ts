// Rootless podman with skiff: a real unprivileged user (made here with a home, removed after)
// runs `podman --runtime <dist/skiff>` with its storage in that home, as most podman users do.
// podman runs skiff inside its own user namespace (root there, the user's ids outside). The
// cgroup manager is what the host gives the user: systemd where the user's own systemd runs (a
// pure cgroup v2 host, the test guest), else cgroupfs (cgroups skipped: nothing is writable).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SKIFF } from "../testing/harness.js";
import { systemdRunning } from "../testing/host.js";
import { busyboxImageArchive } from "../testing/image.js";
import { containersConf, IMAGE, type CgroupManagerName } from "../testing/podman.js";

const hasPodman = spawnSync("podman", ["--version"]).status === 0;
const runs = hasPodman && process.getuid?.() === 0;
const user = `skiffpm${process.pid % 100000}`;
let uid = 0;
let gid = 0;
let home = "";
let runtimeDir = "";
let work = ""; // containers.conf and the image archive, readable by the user
let cgroupManager: CgroupManagerName = "cgroupfs";
const cleanups: (() => void)[] = [];

function podman(args: string[], timeoutMs = 120_000): SpawnSyncReturns<string> {
  const env = { PATH: process.env.PATH, HOME: home, USER: user, XDG_RUNTIME_DIR: runtimeDir, CONTAINERS_CONF: path.join(work, "containers.conf") };
  // cwd: conmon leaves an "oom" marker in its working directory.
  return spawnSync("podman", args, { uid, gid, cwd: home, env, encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL" });
}

function ok(args: string[]): SpawnSyncReturns<string> {
  const r = podman(args);
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} as ${user} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** The user's own systemd (the test guest) gives it /run/user/UID and the systemd cgroup manager. */
function startUserManager(): boolean {
  if (!systemdRunning || !fs.existsSync("/usr/lib/systemd/user/dbus.socket")) return false;
  const started = spawnSync("systemctl", ["start", `user@${uid}.service`], { timeout: 120_000 });
  cleanups.push(() => spawnSync("systemctl", ["stop", `user@${uid}.service`, `user-runtime-dir@${uid}.service`], { timeout: 120_000 }));
  return started.status === 0;
}

beforeAll(() => {
  if (!runs) return;
  // useradd gives the user /etc/subuid and /etc/subgid ranges; userdel -r takes them and the home back.
  const made = spawnSync("useradd", ["--create-home", "--shell", "/usr/sbin/nologin", user], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`useradd: ${made.stderr}`);
  cleanups.push(() => spawnSync("userdel", ["--remove", user]));
  uid = Number(spawnSync("id", ["-u", user], { encoding: "utf8" }).stdout);
  gid = Number(spawnSync("id", ["-g", user], { encoding: "utf8" }).stdout);
  home = spawnSync("sh", ["-c", `getent passwd ${user} | cut -d: -f6`], { encoding: "utf8" }).stdout.trim();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-pmrl-"));
  fs.chmodSync(work, 0o755);
  cleanups.push(() => fs.rmSync(work, { recursive: true, force: true }));
  if (startUserManager()) {
    runtimeDir = `/run/user/${uid}`;
    cgroupManager = "systemd";
  } else {
    runtimeDir = path.join(work, "run");
    fs.mkdirSync(runtimeDir, { mode: 0o700 });
    fs.chownSync(runtimeDir, uid, gid);
  }
  fs.writeFileSync(path.join(work, "containers.conf"), containersConf(SKIFF, cgroupManager));
  const archive = busyboxImageArchive(work);
  fs.chmodSync(archive, 0o644);
  ok(["load", "-i", archive]);
}, 300_000);

afterAll(() => {
  if (!runs) return;
  // Containers and storage as the user (podman's pause process goes with it), then the user.
  podman(["rm", "--all", "--force", "--time", "0"]);
  podman(["system", "reset", "--force"]);
  // podman's pause process holds its user namespace; it writes its pid here.
  const pause = path.join(runtimeDir, "libpod/tmp/pause.pid");
  if (fs.existsSync(pause)) spawnSync("kill", ["-KILL", fs.readFileSync(pause, "utf8").trim()]);
  for (const c of cleanups.reverse()) c();
}, 300_000);

let seq = 0;
const nextName = () => `pmrl-${process.pid}-${++seq}`;

/** podman has no container left, nor skiff any state in the user's runtime directory. */
function expectNothingLeft(): void {
  expect(ok(["ps", "-aq"]).stdout.trim()).toBe("");
  const states = path.join(runtimeDir, "skiff");
  expect(fs.existsSync(states) ? fs.readdirSync(states).filter((e) => !e.startsWith(".")) : []).toEqual([]); // .seccomp-cache stays
}

/** Can the user open /dev/net/tun (slirp4netns needs it; Debian's udev makes it 0666)? */
function userCanOpenTun(): boolean {
  return spawnSync("sh", ["-c", "exec 3<>/dev/net/tun"], { uid, gid }).status === 0;
}

/**
 * Where /dev/net/tun is root-only (this VM kind has no udev), grant the test user alone an ACL
 * entry for the test, and put the node's ACL back exactly as it was afterwards.
 */
function grantTunToUser(): boolean {
  const saved = spawnSync("getfacl", ["--absolute-names", "/dev/net/tun"], { encoding: "utf8" });
  if (saved.status !== 0) return false;
  if (spawnSync("setfacl", ["-m", `u:${uid}:rw`, "/dev/net/tun"]).status !== 0) return false;
  cleanups.push(() => spawnSync("setfacl", ["--set-file=-", "/dev/net/tun"], { input: saved.stdout }));
  return userCanOpenTun();
}

describe.runIf(runs)("rootless podman with skiff", () => {
  it("run --rm: root inside is the user outside; output and exit code", () => {
    const r = podman(["run", "--rm", IMAGE, "sh", "-c", "id -u; head -1 /proc/self/uid_map; exit 3"]);
    const [inside, map] = r.stdout.trim().split("\n");
    expect(inside).toBe("0");
    expect(map!.trim().split(/\s+/)).toEqual(["0", String(uid), "1"]);
    expect(r.status).toBe(3);
    expectNothingLeft();
  }, 300_000);

  it("--userns=keep-id: run -d, exec as the user's own id, stop, rm", () => {
    const name = nextName();
    ok(["run", "-d", "--name", name, "--userns=keep-id", IMAGE, "sleep", "1000"]);
    expect(ok(["exec", name, "sh", "-c", "id -u; id -g"]).stdout).toBe(`${uid}\n${gid}\n`);
    const e = podman(["exec", name, "sh", "-c", "exit 4"]);
    expect(e.status).toBe(4);
    ok(["stop", "-t", "1", name]);
    expect(ok(["inspect", name, "--format", "{{.State.Status}}"]).stdout.trim()).toBe("exited");
    ok(["rm", name]);
    expectNothingLeft();
  }, 300_000);

  it("systemd cgroup manager: the container is a scope of the user's systemd, with its limits", (ctx) => {
    if (cgroupManager !== "systemd") return ctx.skip("the user has no systemd of its own here (cgroupfs: no cgroups for the user)");
    const name = nextName();
    const id = ok(["run", "-d", "--name", name, "--memory", "64m", "--pids-limit", "20", IMAGE, "sleep", "1000"]).stdout.trim();
    const pid = ok(["inspect", name, "--format", "{{.State.Pid}}"]).stdout.trim();
    const cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim();
    expect(cgroup).toMatch(new RegExp(`^0::/user\\.slice/user-${uid}\\.slice/user@${uid}\\.service/user\\.slice/libpod-${id}\\.scope$`));
    const dir = path.join("/sys/fs/cgroup", cgroup.slice(3));
    expect(["memory.max", "pids.max"].map((f) => fs.readFileSync(path.join(dir, f), "utf8").trim())).toEqual([String(64 * 1024 * 1024), "20"]);
    ok(["rm", "--force", "--time", "0", name]);
    expect(fs.existsSync(dir)).toBe(false);
    expectNothingLeft();
  }, 300_000);

  it("a published port through slirp4netns reaches the container from the host's loopback", async (ctx) => {
    if (spawnSync("slirp4netns", ["--version"]).status !== 0) return ctx.skip("slirp4netns is not installed");
    if (!userCanOpenTun() && !grantTunToUser()) return ctx.skip("the user cannot open /dev/net/tun here and no ACL could grant it (setfacl from Debian's acl)");
    const port = await freePort();
    const name = nextName();
    ok(["run", "-d", "--name", name, "--network", "slirp4netns", "-p", `127.0.0.1:${port}:8080`, IMAGE, "sh", "-c", "echo published > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]);
    let body = "";
    for (let i = 0; i < 100 && body === ""; i++) {
      body = await fetch(`http://127.0.0.1:${port}/index.html`).then((r) => r.text()).catch(() => "");
      if (body === "") await new Promise((r) => setTimeout(r, 200));
    }
    expect(body).toBe("published\n");
    ok(["rm", "--force", "--time", "0", name]);
    expectNothingLeft();
  }, 300_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}
