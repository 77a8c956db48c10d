// Rootless: skiff run by a real unprivileged user (made here, removed after), with configs from
// `skiff spec --rootless`. What the host lets that user do decides the cgroup checks: on a host
// where its cgroups are not writable, a container without limits runs without them, and one with
// limits is refused clearly; on a pure cgroup v2 host with systemd (the test guest), the user's
// own systemd (user@UID.service) delegates a subtree, where the container gets its cgroup and its
// limits, directly or as a scope of that systemd (--systemd-cgroup).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cgroupDirsNamed, makeBundle, SKIFF, uniqueId, type Bundle, type Result } from "../testing/harness.js";
import { cgroup2Mount, cgroupDirOf, systemdRunning } from "../testing/host.js";
import type { Spec } from "../spec/types.js";

const user = `skiffrl${process.pid % 100000}`;
let uid = 0;
let gid = 0;
let home: string; // the user's XDG_RUNTIME_DIR stand-in and scratch space
const cleanups: (() => void)[] = [];

beforeAll(() => {
  // Debian's useradd also gives the user /etc/subuid and /etc/subgid ranges (userdel takes them back).
  const made = spawnSync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", user], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`useradd: ${made.stderr}`);
  cleanups.push(() => spawnSync("userdel", [user]));
  uid = Number(spawnSync("id", ["-u", user], { encoding: "utf8" }).stdout);
  gid = Number(spawnSync("id", ["-g", user], { encoding: "utf8" }).stdout);
  home = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-rootless-"));
  fs.chmodSync(home, 0o755);
  fs.chownSync(home, uid, gid);
  cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }));
});

afterAll(() => {
  // Containers first (as the user), then the user and its files.
  for (const id of ids) asUser(["delete", "--force", id]);
  for (const c of cleanups.reverse()) c();
});

const ids: string[] = [];
const xdg = () => path.join(home, "run");

/**
 * skiff as the test user, with its own XDG_RUNTIME_DIR (the default state root follows it).
 * `prefix` runs it through another command first (systemd-run, to start it in a user scope).
 */
function asUser(args: string[], extraEnv: NodeJS.ProcessEnv = {}, prefix: string[] = []): Result {
  fs.mkdirSync(xdg(), { recursive: true, mode: 0o700 });
  fs.chownSync(xdg(), uid, gid);
  // Output through files, as the harness does: a created container keeps its stdio open.
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-rl-out-"));
  const o = fs.openSync(path.join(out, "stdout"), "w+");
  const e = fs.openSync(path.join(out, "stderr"), "w+");
  try {
    const [cmd, ...cmdArgs] = [...prefix, SKIFF, ...args] as [string, ...string[]];
    const r = spawnSync(cmd, cmdArgs, { uid, gid, cwd: home, stdio: ["ignore", o, e], timeout: 60_000, killSignal: "SIGKILL", env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: xdg(), USER: user, ...extraEnv } });
    return { status: r.status, stdout: fs.readFileSync(path.join(out, "stdout"), "utf8"), stderr: fs.readFileSync(path.join(out, "stderr"), "utf8") };
  } finally {
    fs.closeSync(o);
    fs.closeSync(e);
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function okAsUser(args: string[], extraEnv: NodeJS.ProcessEnv = {}, prefix: string[] = []): Result {
  const r = asUser(args, extraEnv, prefix);
  if (r.status !== 0) throw new Error(`skiff ${args.join(" ")} as ${user} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** A rootless bundle the user owns: `skiff spec --rootless` run as the user, then edited. */
function rootlessBundle(args: string[], edit?: (c: Spec) => void): Bundle {
  const b = makeBundle(args);
  fs.rmSync(path.join(b.dir, "config.json"));
  fs.chmodSync(b.dir, 0o755);
  spawnSync("chown", ["-R", `${uid}:${gid}`, b.dir]);
  cleanups.push(() => fs.rmSync(b.dir, { recursive: true, force: true }));
  okAsUser(["spec", "--rootless", "--bundle", b.dir]);
  const file = path.join(b.dir, "config.json");
  const config = JSON.parse(fs.readFileSync(file, "utf8")) as Spec;
  config.process!.terminal = false;
  config.process!.args = args;
  edit?.(config);
  fs.writeFileSync(file, JSON.stringify(config));
  return { ...b, config };
}

function track(id: string): string {
  ids.push(id);
  return id;
}

/** Can the user make a cgroup where skiff would put a container without cgroupsPath? */
function userCanWriteOwnCgroups(): boolean {
  const own = fs.readFileSync("/proc/self/cgroup", "utf8");
  return own.split("\n").some((line) => {
    const [, , rel] = line.split(":");
    if (rel === undefined) return false;
    const dir = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].map((m) => path.join(m, rel)).find((d) => fs.existsSync(d));
    return dir !== undefined && spawnSync("test", ["-w", dir], { uid, gid }).status === 0;
  });
}

describe("rootless: an unprivileged user runs containers", () => {
  it("run: root inside, the user's own id outside; the state root is $XDG_RUNTIME_DIR/skiff, 0700", () => {
    const b = rootlessBundle(["sh", "-c", "id -u; cat /proc/self/uid_map"]);
    const r = okAsUser(["run", "--bundle", b.dir, track(uniqueId("rl"))]);
    const [inside, map] = r.stdout.trim().split("\n");
    expect(inside).toBe("0");
    expect(map.trim().split(/\s+/)).toEqual(["0", String(uid), "1"]);
    const root = path.join(xdg(), "skiff");
    expect(fs.statSync(root).mode & 0o777).toBe(0o700);
    expect(fs.statSync(root).uid).toBe(uid);
  });

  it("every command: create, start, state, list, exec, kill --all, delete", () => {
    const b = rootlessBundle(["sleep", "300"]);
    const id = track(uniqueId("rlc"));
    okAsUser(["create", "--bundle", b.dir, id]);
    expect(JSON.parse(okAsUser(["state", id]).stdout).status).toBe("created");
    okAsUser(["start", id]);
    expect(okAsUser(["list", "-q"]).stdout).toContain(id);
    expect(okAsUser(["exec", id, "id", "-u"]).stdout).toBe("0\n");
    expect(JSON.parse(okAsUser(["state", id]).stdout).status).toBe("running");
    // this host may give the user no cgroup to list processes in: --all still reaches the init
    okAsUser(["kill", "--all", id, "KILL"]);
    for (let i = 0; i < 100 && JSON.parse(okAsUser(["state", id]).stdout).status !== "stopped"; i++) spawnSync("sleep", ["0.05"]);
    okAsUser(["delete", id]);
    expect(fs.existsSync(path.join(xdg(), "skiff", id))).toBe(false);
    expect(cgroupDirsNamed(id)).toEqual([]);
  });

  it("more ids than its own through newuidmap/newgidmap and /etc/subuid, with supplementary groups", () => {
    const sub = (file: string) => fs.readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${user}:`))?.split(":");
    const subuid = sub("/etc/subuid");
    const subgid = sub("/etc/subgid");
    if (!subuid || !subgid) return void console.warn(`skipped: useradd gave ${user} no subordinate ids here`);
    const b = rootlessBundle(["sh", "-c", "id; stat -c %u /proc/self/uid_map"], (c) => {
      c.linux!.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: Number(subuid[1]), size: 1000 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }, { containerID: 1, hostID: Number(subgid[1]), size: 1000 }];
      c.process!.user = { uid: 100, gid: 100, additionalGids: [5] };
    });
    expect(okAsUser(["run", "--bundle", b.dir, track(uniqueId("rlm"))]).stdout).toMatch(/^uid=100 gid=100 groups=5/);
  });

  it("a single mapping cannot set supplementary groups: one clear error, nothing left", () => {
    const b = rootlessBundle(["true"], (c) => (c.process!.user = { uid: 0, gid: 0, additionalGids: [5] }));
    const id = uniqueId("rlg");
    const r = asUser(["create", "--bundle", b.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("process.user.additionalGids: cannot be set in a user namespace that denies setgroups (a rootless container mapping only your own ids)");
    expect(fs.existsSync(path.join(xdg(), "skiff", id))).toBe(false);
  });

  it("cgroups it cannot write: skipped without limits; a limit is refused clearly and leaves nothing", () => {
    if (userCanWriteOwnCgroups()) return void console.warn("skipped: this host delegates a writable cgroup to the user");
    const plain = rootlessBundle(["true"]);
    okAsUser(["run", "--bundle", plain.dir, track(uniqueId("rlnc"))]);
    const limited = rootlessBundle(["true"], (c) => (c.linux!.resources = { memory: { limit: 64 * 1024 * 1024 } }));
    const id = uniqueId("rll");
    const r = asUser(["run", "--bundle", limited.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^linux\.resources\.memory/);
    expect(fs.existsSync(path.join(xdg(), "skiff", id))).toBe(false);
    expect(cgroupDirsNamed(id)).toEqual([]);
  });

  it("the user cannot see or signal root's containers", () => {
    const rootState = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-root-"));
    cleanups.push(() => fs.rmSync(rootState, { recursive: true, force: true }));
    const b = makeBundle(["sleep", "300"]);
    cleanups.push(() => fs.rmSync(b.dir, { recursive: true, force: true }));
    const id = uniqueId("rootc");
    expect(spawnSync(SKIFF, ["--root", rootState, "run", "--detach", "--bundle", b.dir, id], { stdio: "ignore" }).status).toBe(0); // the container keeps its stdio
    cleanups.push(() => spawnSync(SKIFF, ["--root", rootState, "delete", "--force", id]));
    fs.chmodSync(rootState, 0o711);
    const r = asUser(["--root", rootState, "kill", id, "KILL"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/permission denied/);
    expect(JSON.parse(spawnSync(SKIFF, ["--root", rootState, "state", id], { encoding: "utf8" }).stdout).status).toBe("running");
  });
});

/**
 * Starts the user's own systemd (user@UID.service, which systemd delegates the cpu, memory and
 * pids controllers to) with its session bus; undefined, saying why, where that cannot be.
 */
function startUserManager(): string | undefined {
  if (!systemdRunning) return "needs a pure cgroup v2 host with systemd running (the test guest)";
  if (!fs.existsSync("/usr/lib/systemd/user/dbus.socket")) return "needs the user's session bus (Debian's dbus-user-session)";
  const started = spawnSync("systemctl", ["start", `user@${uid}.service`], { encoding: "utf8", timeout: 120_000 });
  // Stopping it first takes its units (the containers' scopes) with it; user-runtime-dir@ removes /run/user/UID.
  cleanups.push(() => spawnSync("systemctl", ["stop", `user@${uid}.service`, `user-runtime-dir@${uid}.service`], { timeout: 120_000 }));
  if (started.status !== 0) return `systemctl start user@${uid}.service failed: ${started.stderr.trim()}`;
  return undefined;
}

describe("rootless on cgroup v2: the user's delegated subtree", () => {
  let skip: string | undefined = "not set up";
  const runtimeDir = () => `/run/user/${uid}`;
  const env = () => ({ XDG_RUNTIME_DIR: runtimeDir() });
  // systemd-run puts skiff in a scope of the user's systemd, as a login shell would sit there:
  // a container without cgroupsPath then goes beside that scope (runc's rule on cgroup v2).
  const inUserScope = ["systemd-run", "--user", "--scope", "--quiet"];
  const managerCgroup = () => path.join(cgroup2Mount ?? "/sys/fs/cgroup", `user.slice/user-${uid}.slice/user@${uid}.service`);
  const state = (id: string) => JSON.parse(okAsUser(["state", id], env()).stdout) as { status: string; pid: number };
  const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8").trim();

  beforeAll(() => {
    skip = startUserManager();
  }, 150_000);

  /** Create, start, limits, pause/resume, update and delete of one container in `expectedDir`. */
  function lifecycleIn(id: string, globals: string[], expectedDir: (id: string) => string, unitProperty?: (id: string, name: string) => string): void {
    const b = rootlessBundle(["sleep", "300"], (c) => (c.linux!.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 20 } }));
    okAsUser([...globals, "create", "--bundle", b.dir, track(id)], env(), inUserScope);
    const dir = expectedDir(id);
    expect(cgroupDirOf(state(id).pid, "")).toBe(dir);
    expect(fs.statSync(dir).uid).toBe(uid);
    expect([read(dir, "memory.max"), read(dir, "pids.max")]).toEqual([String(64 * 1024 * 1024), "20"]);
    okAsUser([...globals, "start", id], env());
    // Its /sys/fs/cgroup is its own cgroup (bound: /sys is the host's in a rootless spec).
    expect(okAsUser([...globals, "exec", id, "cat", "/sys/fs/cgroup/memory.max"], env()).stdout.trim()).toBe(String(64 * 1024 * 1024));
    okAsUser([...globals, "pause", id], env());
    expect([state(id).status, read(dir, "cgroup.freeze")]).toEqual(["paused", "1"]);
    okAsUser([...globals, "resume", id], env());
    expect([state(id).status, read(dir, "cgroup.freeze")]).toEqual(["running", "0"]);
    okAsUser([...globals, "update", "--memory", String(32 * 1024 * 1024), "--pids-limit", "10", id], env());
    expect([read(dir, "memory.max"), read(dir, "pids.max")]).toEqual([String(32 * 1024 * 1024), "10"]);
    if (unitProperty) expect(unitProperty(id, "MemoryMax")).toBe(String(32 * 1024 * 1024));
    okAsUser([...globals, "delete", "--force", id], env());
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(path.join(runtimeDir(), "skiff", id))).toBe(false);
  }

  it("a container beside the caller's scope gets its own cgroup there: limits, pause/resume, update, delete", (ctx) => {
    if (skip) return ctx.skip(skip);
    lifecycleIn(uniqueId("rlv2"), [], (id) => path.join(managerCgroup(), "app.slice", id));
  }, 300_000);

  it("--systemd-cgroup: a transient scope of the user's systemd, in its user.slice (runc's default)", (ctx) => {
    if (skip) return ctx.skip(skip);
    const unitProperty = (id: string, name: string) => okAsUserCmd(["systemctl", "--user", "show", `runc-${id}.scope`, `--property=${name}`, "--value"]).trim();
    lifecycleIn(uniqueId("rlsd"), ["--systemd-cgroup"], (id) => path.join(managerCgroup(), "user.slice", `runc-${id}.scope`), unitProperty);
  }, 300_000);

  it("a create that fails after its cgroup is made leaves nothing: no state, no cgroup, no unit", (ctx) => {
    if (skip) return ctx.skip(skip);
    // A hard limit above the user's own is refused once the cgroup (or unit) exists.
    const tooHigh = (c: Spec) => (c.process!.rlimits = [{ type: "RLIMIT_NOFILE", hard: 2 ** 40, soft: 1024 }]);
    for (const [globals, dir] of [
      [[], (id: string) => path.join(managerCgroup(), "app.slice", id)],
      [["--systemd-cgroup"], (id: string) => path.join(managerCgroup(), "user.slice", `runc-${id}.scope`)],
    ] as const) {
      const id = uniqueId("rlf");
      const r = asUser([...globals, "create", "--bundle", rootlessBundle(["true"], tooHigh).dir, id], env(), inUserScope);
      expect(r.stderr).toMatch(/RLIMIT_NOFILE/);
      expect(r.status).not.toBe(0);
      expect(fs.existsSync(path.join(runtimeDir(), "skiff", id))).toBe(false);
      expect(fs.existsSync(dir(id))).toBe(false);
      if (globals.length > 0) expect(okAsUserCmd(["systemctl", "--user", "show", `runc-${id}.scope`, "--property=LoadState", "--value"]).trim()).toBe("not-found");
    }
  }, 300_000);

  /** Another command as the user, with its runtime directory. */
  function okAsUserCmd(cmd: string[]): string {
    const [file, ...args] = cmd as [string, ...string[]];
    const r = spawnSync(file, args, { uid, gid, encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH, USER: user, ...env() } });
    if (r.status !== 0) throw new Error(`${cmd.join(" ")} as ${user} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  }
});
