// skiff as containerd's runtime, through the real containerd-shim-runc-v2: `ctr run
// --runc-binary dist/skiff` sets the shim's BinaryName option, the same option a CRI runtime
// entry in config.toml sets (README). A private containerd per test file (testing/containerd.ts).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Containerd, IMAGE } from "../testing/containerd.js";
import { cgroupDirsNamed, SKIFF, waitFor } from "../testing/harness.js";

const ctrd = new Containerd();
let seq = 0;
const nextId = () => `ctrd-${process.pid}-${++seq}`;
const skiffFlags = () => ["--runc-binary", SKIFF, "--runc-root", ctrd.runcRoot, "--fifo-dir", ctrd.fifoDir];

beforeAll(async () => {
  await ctrd.start();
}, 60_000);
afterAll(async () => {
  await ctrd.stop();
}, 60_000);

/** The shim really called skiff: the state under --runc-root is skiff's (it records the init's start time). */
function isSkiffState(id: string): boolean {
  const file = path.join(ctrd.runcRoot, "default", id, "state.json");
  return fs.existsSync(file) && "initStartTime" in JSON.parse(fs.readFileSync(file, "utf8"));
}

/** ctr task kill with these flags must stop the task, which then deletes cleanly. */
async function killAndDelete(id: string, killFlags: string[]): Promise<void> {
  ctrd.ok(["task", "kill", ...killFlags, id]);
  expect(await waitFor(() => /STOPPED/.test(ctrd.ctr(["task", "ls"]).stdout), 10_000)).toBe(true);
  ctrd.ok(["task", "delete", id]);
}

/** Cleanup whatever state a failed test left the task in. */
function forceDelete(id: string): void {
  ctrd.ctr(["task", "delete", "-f", id]);
  ctrd.ctr(["containers", "delete", id]);
}

async function expectNothingLeft(id: string): Promise<void> {
  expect(ctrd.ctr(["containers", "ls", "-q"]).stdout.split("\n")).not.toContain(id);
  expect(fs.existsSync(path.join(ctrd.runcRoot, "default", id))).toBe(false);
  expect(cgroupDirsNamed(id)).toEqual([]);
  expect(await waitFor(() => ctrd.shims().length === 0, 10_000)).toBe(true);
}

describe("containerd (ctr) with skiff", () => {
  it("run --rm: output, exit code, and nothing left", async () => {
    const id = nextId();
    const r = ctrd.ctr(["run", "--rm", ...skiffFlags(), IMAGE, id, "sh", "-c", "echo hello from pid $$; exit 3"]);
    expect(r.stdout).toBe("hello from pid 1\n");
    expect(r.status).toBe(3);
    await expectNothingLeft(id);
  });

  it("env, cwd and a read-only rootfs (the user: see exec --user below)", async () => {
    const id = nextId();
    const r = ctrd.ctr(["run", "--rm", ...skiffFlags(), "--env", "GREETING=hi there", "--cwd", "/tmp", "--read-only", IMAGE, id, "sh", "-c", 'echo "$GREETING|$(pwd)"; touch /x 2>/dev/null || echo ro']);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hi there|/tmp\nro\n");
    await expectNothingLeft(id);
  });

  it("a tty (-t) under a pty", async () => {
    const id = nextId();
    // `script` gives ctr a terminal of its own; inside, the container's stdio is a pts.
    const cmd = ["ctr", "--address", ctrd.address, "run", "--rm", "-t", ...skiffFlags(), IMAGE, id, "sh", "-c", "tty; echo cols=$(stty size)"].join(" ");
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", timeout: 30_000 });
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.status).toBe(0);
    await expectNothingLeft(id);
  });

  it("a detached task: exec (plain, -t, --user), ps, pause/resume, kill, delete", async () => {
    const id = nextId();
    ctrd.ok(["run", "-d", ...skiffFlags(), IMAGE, id, "sh", "-c", "while true; do sleep 1; done"]);
    try {
      expect(isSkiffState(id)).toBe(true);
      const e = ctrd.ctr(["task", "exec", "--fifo-dir", ctrd.fifoDir, "--exec-id", "e1", id, "sh", "-c", "echo in; readlink /proc/1/ns/pid; exit 4"]);
      const init = ctrd.ok(["task", "ls"]).stdout.match(new RegExp(`${id}\\s+(\\d+)`))![1];
      expect(e.stdout).toBe(`in\n${fs.readlinkSync(`/proc/${init}/ns/pid`)}\n`);
      expect(e.status).toBe(4);
      const u = ctrd.ctr(["task", "exec", "--fifo-dir", ctrd.fifoDir, "--exec-id", "e2", "--user", "1000", id, "id", "-u"]);
      expect(u.stdout).toBe("1000\n");
      const t = spawnSync("script", ["-qec", ["ctr", "--address", ctrd.address, "task", "exec", "--fifo-dir", ctrd.fifoDir, "-t", "--exec-id", "e3", id, "tty"].join(" "), "/dev/null"], { encoding: "utf8", timeout: 30_000 });
      expect(t.stdout).toMatch(/\/dev\/pts\/\d+/);
      const ps = ctrd.ok(["task", "ps", id]).stdout;
      expect(ps.trim().split("\n").length).toBeGreaterThanOrEqual(2); // header + the init
      ctrd.ok(["task", "pause", id]);
      expect(ctrd.ok(["task", "ls"]).stdout).toMatch(new RegExp(`${id}\\s+\\d+\\s+PAUSED`));
      ctrd.ok(["task", "resume", id]);
      expect(ctrd.ok(["task", "ls"]).stdout).toMatch(new RegExp(`${id}\\s+\\d+\\s+RUNNING`));
      await killAndDelete(id, ["-s", "SIGKILL"]);
    } finally {
      forceDelete(id);
    }
    await expectNothingLeft(id);
  });

  it("a paused task: SIGKILL stops it, and delete -f of a paused task returns (as with runc)", async () => {
    const killed = nextId();
    const forced = nextId();
    ctrd.ok(["run", "-d", ...skiffFlags(), IMAGE, killed, "sleep", "1000"]);
    ctrd.ok(["run", "-d", ...skiffFlags(), IMAGE, forced, "sleep", "1000"]);
    try {
      ctrd.ok(["task", "pause", killed]);
      await killAndDelete(killed, ["-s", "SIGKILL"]);
      ctrd.ok(["task", "pause", forced]);
      ctrd.ok(["task", "delete", "-f", forced]);
      ctrd.ok(["containers", "delete", forced]);
      ctrd.ok(["containers", "delete", killed]);
    } finally {
      forceDelete(killed);
      forceDelete(forced);
    }
    await expectNothingLeft(killed);
    await expectNothingLeft(forced);
  });

  it("kill --all reaches every process of the task", async () => {
    const id = nextId();
    ctrd.ok(["run", "-d", ...skiffFlags(), IMAGE, id, "sh", "-c", "sleep 1000 & sleep 1000 & wait"]);
    try {
      await killAndDelete(id, ["--all", "-s", "SIGKILL"]);
    } finally {
      forceDelete(id);
    }
    await expectNothingLeft(id);
  });

  it("a memory limit OOM-kills a hog", async () => {
    const id = nextId();
    const r = ctrd.ctr(["run", "--rm", ...skiffFlags(), "--memory-limit", String(32 * 1024 * 1024), IMAGE, id, "sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"]);
    expect(r.stdout).not.toContain("survived");
    expect(r.status).toBe(137);
    await expectNothingLeft(id);
  });

  it("ten containers at once", async () => {
    const ids = Array.from({ length: 10 }, nextId);
    const runs = ids.map(
      (id) =>
        new Promise<{ status: number | null; stdout: string }>((resolve) => {
          const p = spawn("ctr", ["--address", ctrd.address, "run", "--rm", ...skiffFlags(), IMAGE, id, "echo", id]);
          let stdout = "";
          p.stdout.on("data", (d: Buffer) => (stdout += d));
          p.on("exit", (status: number | null) => resolve({ status, stdout }));
        }),
    );
    const results = await Promise.all(runs);
    results.forEach((r, i) => {
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${ids[i]}\n`);
    });
    for (const id of ids) await expectNothingLeft(id);
  });
});
