// `exec` on real containers: the process is inside every namespace and cgroup of the container,
// gets the identity, capabilities and terminal asked for, and failures leave nothing running.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCgroupManager, type SavedCgroups } from "../cgroups/index.js";
import { v1Controllers } from "../testing/host.js";
import { acceptUnix, listenUnix, recvFd } from "../linux/fd-passing.js";
import { pollIn } from "../linux/libc.js";
import { makeBundle, processAlive, Runtime, SKIFF, uniqueId, waitFor } from "../testing/harness.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

/** A running container (sleep) with a hostname of its own; returns its id and init pid. */
function runningContainer(edit?: Parameters<typeof makeBundle>[1]): { id: string; pid: number } {
  const b = makeBundle(["sleep", "600"], (c) => {
    c.hostname = "exec-host";
    edit?.(c);
  });
  rt.trackDir(b.dir);
  fs.chmodSync(b.dir, 0o755); // a mapped root must reach the rootfs
  const id = rt.track(uniqueId("exec"));
  rt.ok(["run", "--detach", "--bundle", b.dir, id]);
  return { id, pid: rt.state(id).pid };
}

function savedCgroups(id: string): SavedCgroups {
  return (JSON.parse(fs.readFileSync(path.join(rt.root, id, "state.json"), "utf8")) as { cgroups: SavedCgroups }).cgroups;
}

/** Every process in the container's cgroups (the init and whatever exec left behind). */
function containerPids(id: string): number[] {
  return loadCgroupManager(savedCgroups(id)).pids().sort((a, b) => a - b);
}

function tmpDir(): string {
  return rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-exec-")));
}

describe("exec joins the container", () => {
  it("sees the container's hostname, pid namespace, mounts and cgroups", () => {
    const { id, pid } = runningContainer();
    const r = rt.ok(["exec", id, "sh", "-c", "hostname; echo $$; cat /proc/1/cmdline; echo; cmp /proc/1/mountinfo /proc/self/mountinfo && echo same-mounts; cmp /proc/1/cgroup /proc/self/cgroup && echo same-cgroups"]);
    const [hostname, ownPid, init, mounts, cgroups] = r.stdout.trim().split("\n");
    expect(hostname).toBe("exec-host");
    expect(Number(ownPid)).toBeGreaterThan(1); // a pid of the container's namespace, not the host's
    expect(Number(ownPid)).toBeLessThan(100);
    expect(init.replace(/\0/g, " ").trim()).toBe("sleep 600");
    expect(mounts).toBe("same-mounts");
    expect(cgroups).toBe("same-cgroups");
    // and nothing of it is left once it returned
    expect(containerPids(id)).toEqual([pid]);
  });

  it("joins the container's user namespace first: its id mapping applies to the process", () => {
    const { id, pid } = runningContainer((c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    const r = rt.ok(["exec", id, "sh", "-c", "id -u; cat /proc/self/uid_map; hostname; [ \"$(readlink /proc/self/ns/user)\" = \"$(readlink /proc/1/ns/user)\" ] && echo same-userns"]);
    const [uid, map, hostname, userns] = r.stdout.trim().split("\n");
    expect(uid).toBe("0");
    expect(map.trim().split(/\s+/)).toEqual(["0", "100000", "65536"]);
    expect(hostname).toBe("exec-host");
    expect(userns).toBe("same-userns");
    const other = rt.ok(["exec", "--detach", "--pid-file", path.join(tmpDir(), "p"), "-u", "1000:1000", id, "sleep", "30"]);
    expect(other.status).toBe(0);
    const execPid = containerPids(id).find((p) => p !== pid)!;
    // seen from the host, the process runs as the mapped uid
    expect(fs.readFileSync(`/proc/${execPid}/status`, "utf8")).toMatch(/^Uid:\s+101000\s/m);
    process.kill(execPid, "SIGKILL");
  });

  it("exits with the process's status, 128+N when killed by signal N", () => {
    const { id } = runningContainer();
    expect(rt.skiff(["exec", id, "sh", "-c", "exit 7"]).status).toBe(7);
    expect(rt.skiff(["exec", id, "sh", "-c", "kill -KILL $$"]).status).toBe(137);
    expect(rt.skiff(["exec", id, "true"]).status).toBe(0);
  });

  it("passes stdin and adds --env to the container's environment", () => {
    const { id } = runningContainer((c) => c.process!.env!.push("FROM_CONFIG=1"));
    const r = rt.ok(["exec", "-e", "A=one", "--env", "B=two", id, "sh", "-c", 'read line; echo "$line $A $B $FROM_CONFIG"'], { input: "hello\n" });
    expect(r.stdout).toBe("hello one two 1\n");
  });

  it("runs a --process JSON as given", () => {
    const { id } = runningContainer();
    const dir = tmpDir();
    const file = path.join(dir, "process.json");
    fs.writeFileSync(file, JSON.stringify({ args: ["sh", "-c", "pwd; id -u; id -g; echo $GREETING"], cwd: "/tmp", env: ["GREETING=hi", "PATH=/bin"], user: { uid: 65534, gid: 65534 } }));
    expect(rt.ok(["exec", "--process", file, id]).stdout).toBe("/tmp\n65534\n65534\nhi\n");
  });

  it("refuses a bad --process JSON, naming the problem", () => {
    const { id } = runningContainer();
    const file = path.join(tmpDir(), "process.json");
    fs.writeFileSync(file, JSON.stringify({ args: ["true"], cwd: "relative", user: { uid: 0, gid: 0 } }));
    const r = rt.skiff(["exec", "--process", file, id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("/cwd");
  });

  it("runs as another user with added groups", () => {
    const { id } = runningContainer();
    const r = rt.ok(["exec", "--user", "65534:65534", "-g", "5", "--additional-gids", "7", id, "sh", "-c", "id -u; id -g; id -G"]);
    const [uid, gid, groups] = r.stdout.trim().split("\n");
    expect([uid, gid]).toEqual(["65534", "65534"]);
    expect(groups.split(" ").sort()).toEqual(["5", "65534", "7"]);
  });

  it("--cap adds capabilities to the container's (bounding, effective, permitted)", () => {
    const { id } = runningContainer();
    const capsOf = (status: string, field: string): bigint => BigInt(`0x${new RegExp(`^${field}:\\s*([0-9a-f]+)$`, "m").exec(status)![1]}`);
    const has = (mask: bigint, bit: bigint) => ((mask >> bit) & 1n) === 1n;
    const plain = rt.ok(["exec", id, "cat", "/proc/self/status"]).stdout;
    const added = rt.ok(["exec", "--cap", "CAP_NET_ADMIN", "-c", "sys_time", id, "cat", "/proc/self/status"]).stdout;
    for (const field of ["CapBnd", "CapEff", "CapPrm"]) {
      expect(has(capsOf(plain, field), 12n)).toBe(false); // CAP_NET_ADMIN: not in the default set
      expect(has(capsOf(added, field), 12n)).toBe(true);
      expect(has(capsOf(added, field), 25n)).toBe(true); // CAP_SYS_TIME
      expect(has(capsOf(added, field), 21n)).toBe(false); // CAP_SYS_ADMIN: never asked for
    }
  });

  it("--no-new-privs and --cwd", () => {
    const { id } = runningContainer();
    const r = rt.ok(["exec", "--no-new-privs", "--cwd", "/etc", id, "sh", "-c", "pwd; grep NoNewPrivs /proc/self/status"]);
    expect(r.stdout).toMatch(/^\/etc\nNoNewPrivs:\s+1\n$/);
  });

  it("--detach returns while the process runs, and writes its host pid (bare digits)", async () => {
    const { id, pid } = runningContainer();
    const pidFile = path.join(tmpDir(), "exec.pid");
    rt.ok(["exec", "--detach", "--pid-file", pidFile, id, "sleep", "300"]);
    const text = fs.readFileSync(pidFile, "utf8");
    expect(text).toMatch(/^\d+$/);
    const execPid = Number(text);
    expect(processAlive(execPid)).toBe(true);
    expect(fs.readlinkSync(`/proc/${execPid}/ns/pid`)).toBe(fs.readlinkSync(`/proc/${pid}/ns/pid`));
    expect(fs.readlinkSync(`/proc/${execPid}/ns/mnt`)).toBe(fs.readlinkSync(`/proc/${pid}/ns/mnt`));
    expect(containerPids(id)).toEqual([pid, execPid].sort((a, b) => a - b));
    process.kill(execPid, "SIGKILL");
    expect(await waitFor(() => !processAlive(execPid))).toBe(true);
  });

  it("--cgroup puts the process in a sub-cgroup of the container's", () => {
    const { id } = runningContainer();
    // controller:path where memory is on a v1 hierarchy; a plain path into the one v2 tree.
    const v1 = v1Controllers.includes("memory");
    const prefix = v1 ? "memory:" : "";
    fs.mkdirSync(path.join(savedCgroups(id).paths[v1 ? "memory" : ""]!, "sub"));
    const r = rt.ok(["exec", "--cgroup", `${prefix}sub`, id, "cat", "/proc/self/cgroup"]);
    expect(r.stdout).toMatch(v1 ? /:memory:.*\/sub$/m : /^0::.*\/sub$/m);
    // runc's errors (its exec.bats greps them): the failed move names the missing cgroup.procs.
    const missing = rt.skiff(["exec", "--cgroup", `${prefix}nope`, id, "true"]);
    expect(missing.status).toBe(255);
    expect(missing.stderr).toMatch(/^exec failed: adding pid \d+ to cgroups: .*\/nope\/cgroup\.procs: no such file or directory$/m);
    expect(containerPids(id)).toHaveLength(1);
  });
});

describe("exec failures leave nothing running", () => {
  it("a missing executable", () => {
    const { id, pid } = runningContainer();
    const r = rt.skiff(["exec", id, "no-such-program"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('exec: "no-such-program": executable file not found in $PATH');
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(containerPids(id)).toEqual([pid]);
    const detached = rt.skiff(["exec", "--detach", "--pid-file", path.join(tmpDir(), "p"), id, "/no/such/file"]);
    expect(detached.status).not.toBe(0);
    expect(detached.stderr).toContain("no such file or directory");
    expect(containerPids(id)).toEqual([pid]);
  });

  it("a created (not started) container takes an exec, as with runc, and stays created", () => {
    const b = makeBundle(["sleep", "600"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("exec"));
    rt.ok(["create", "--bundle", b.dir, id]);
    const { pid } = rt.state(id);
    expect(rt.ok(["exec", id, "echo", "ok"]).stdout).toBe("ok\n");
    expect(containerPids(id)).toEqual([pid]);
    expect(rt.state(id).status).toBe("created");
  });

  it("a stopped container", async () => {
    const { id } = runningContainer();
    rt.ok(["kill", id, "KILL"]);
    expect(await waitFor(() => rt.state(id).status === "stopped")).toBe(true);
    const r = rt.skiff(["exec", id, "true"]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("exec failed: cannot exec in a stopped container");
    expect(containerPids(id)).toEqual([]);
  });

  it("an unknown container", () => {
    const r = rt.skiff(["exec", "no-such-container", "true"]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("does not exist");
  });

  it("a paused container, unless --ignore-paused (then the process runs once resumed)", async () => {
    const { id, pid } = runningContainer();
    const cgroups = loadCgroupManager(savedCgroups(id));
    cgroups.freeze();
    try {
      const r = rt.skiff(["exec", id, "true"]);
      expect(r.stderr).toContain("cannot exec in a paused container");
      expect(containerPids(id)).toEqual([pid]);
      const late = spawn(SKIFF, ["--root", rt.root, "exec", "--ignore-paused", id, "echo", "resumed"], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      late.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => late.on("exit", resolve));
      await new Promise((r) => setTimeout(r, 500));
      expect(late.exitCode).toBeNull(); // frozen with the container
      cgroups.thaw();
      expect(await exited).toBe(0);
      expect(out).toBe("resumed\n");
    } finally {
      cgroups.thaw();
    }
  });
});

describe("exec with a terminal", () => {
  /** Reads from fd until `pattern` matches what came (or 10 s pass). */
  function readUntil(fd: number, pattern: RegExp): string {
    let text = "";
    const end = Date.now() + 10_000;
    const buf = Buffer.alloc(4096);
    while (!pattern.test(text) && Date.now() < end) {
      if (!pollIn([fd], 200)[0]) continue;
      let n: number;
      try {
        n = fs.readSync(fd, buf);
      } catch {
        break; // EIO: the other side is gone
      }
      text += buf.subarray(0, n).toString();
    }
    return text;
  }

  /**
   * A --console-socket listener in a fresh directory; `exec` runs `exec --detach --tty` with it
   * and returns the pty master that came back (the caller closes it) and the process's pid.
   */
  function consoleSocket(): { dir: string; exec(args: string[]): { master: number; name: string; pid: number }; close(): void } {
    const dir = tmpDir();
    const sockPath = path.join(dir, "console.sock");
    const pidFile = path.join(dir, "exec.pid");
    const listener = listenUnix(sockPath);
    return {
      dir,
      exec(args) {
        rt.ok(["exec", "--detach", "--tty", "--console-socket", sockPath, "--pid-file", pidFile, ...args]);
        const conn = acceptUnix(listener);
        const got = recvFd(conn);
        fs.closeSync(conn);
        if (!got) throw new Error("no pty master came over the console socket");
        return { master: got.fd, name: got.name, pid: Number(fs.readFileSync(pidFile, "utf8")) };
      },
      close: () => fs.closeSync(listener),
    };
  }

  it("sends the pty master to --console-socket; the process's stdio is /dev/pts/N", async () => {
    const { id } = runningContainer();
    const socket = consoleSocket();
    try {
      const { master, name, pid } = socket.exec([id, "sh"]);
      expect(name).toMatch(/^\/dev\/pts\/\d+$/);
      try {
        fs.writeSync(master, "tty; echo marker-$((6*7))\n");
        const out = readUntil(master, /marker-42/);
        expect(out).toMatch(/\/dev\/pts\/\d+\r\n/);
        expect(out).toContain("marker-42");
        fs.writeSync(master, "exit 3\n");
        expect(await waitFor(() => !processAlive(pid))).toBe(true);
      } finally {
        fs.closeSync(master);
      }
    } finally {
      socket.close();
    }
  });

  it("a --process without user runs as root (as runc reads it); consoleSize and a non-root user's own pty apply", async () => {
    const { id } = runningContainer();
    const socket = consoleSocket();
    const processFile = path.join(socket.dir, "process.json");
    const run = async (proc: object): Promise<string> => {
      fs.writeFileSync(processFile, JSON.stringify({ terminal: true, cwd: "/", ...proc }));
      const { master, pid } = socket.exec(["--process", processFile, id]);
      try {
        const out = readUntil(master, /marker-42/);
        expect(await waitFor(() => !processAlive(pid))).toBe(true);
        return out;
      } finally {
        fs.closeSync(master);
      }
    };
    try {
      const probe = ["sh", "-c", "id -u; stty size; stat -c %u:%g $(tty); echo marker-$((6*7))"];
      const root = await run({ args: probe, consoleSize: { height: 10, width: 110 } });
      expect(root.split("\r\n").slice(0, 2)).toEqual(["0", "10 110"]);
      const user = await run({ args: probe, user: { uid: 1000, gid: 1000 } });
      expect(user.split("\r\n")[0]).toBe("1000");
      expect(user.split("\r\n")[2]).toMatch(/^1000:\d+$/);
    } finally {
      socket.close();
    }
  });

  it("without a console socket skiff relays its own terminal: raw mode, size, exit status, restored", () => {
    const { id } = runningContainer();
    // script(1) gives skiff a real terminal of 33x77 rows/columns to relay.
    const inner = `${SKIFF} --root ${rt.root} exec -t ${id} sh -c 'read line; tty; stty size; echo "got:$line"; exit 5'`;
    const outer = `stty rows 33 cols 77; before=$(stty -g); ${inner}; echo "status:$?"; [ "$(stty -g)" = "$before" ] && echo restored`;
    const r = spawnSync("script", ["-qec", outer, "/dev/null"], { input: "typed\n", encoding: "utf8", timeout: 30_000 });
    // exactly the container pty's "\r\n": skiff's raw mode adds no output processing of its own
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+\r\n33 77\r\ngot:typed\r\n/);
    expect(r.stdout).toContain("status:5");
    expect(r.stdout).toContain("restored");
  });

  it("a window size change of skiff's terminal reaches the container's pty", () => {
    const { id } = runningContainer();
    const inner = `${SKIFF} --root ${rt.root} exec -t ${id} sh -c 'stty size; sleep 2; stty size'`;
    // the resize comes from another process while skiff relays, as a terminal emulator's would
    const outer = `stty rows 33 cols 77; (sleep 0.5; stty rows 10 cols 20 < /dev/tty) & ${inner}; wait`;
    const r = spawnSync("script", ["-qec", outer, "/dev/null"], { input: "", encoding: "utf8", timeout: 30_000 });
    expect(r.stdout).toMatch(/33 77\r\n(.|\n)*10 20\r\n/);
  });

  it("--tty without a terminal to relay and with --detach needs a console socket", () => {
    const { id } = runningContainer();
    const r = rt.skiff(["exec", "--detach", "--tty", id, "sh"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("console-socket");
  });
});
