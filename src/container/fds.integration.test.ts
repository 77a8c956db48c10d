// Inherited fds: --preserve-fds N passes skiff's fds 3..3+N-1 into the container (run, create,
// exec), and nothing else of skiff's reaches the container's process.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { sys } from "../linux/libc.js";
import { makeBundle, Runtime, SKIFF, uniqueId, waitFor } from "../testing/harness.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

/** A pipe holding `text`, its write end already closed: [read end]. */
function pipeWith(text: string): number {
  const fds = Buffer.alloc(8);
  sys("pipe2", ["buffer", "i32"], [fds, 0o2000000], "pipe2");
  const [readEnd, writeEnd] = [fds.readInt32LE(0), fds.readInt32LE(4)];
  fs.writeSync(writeEnd, text);
  fs.closeSync(writeEnd);
  return readEnd;
}

/** Runs skiff with `extra` as its fds 3, 4, ...; stdout and the status. */
function skiffWithFds(args: string[], extra: number[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(SKIFF, ["--root", rt.root, ...args], { stdio: ["ignore", "pipe", "pipe", ...extra], encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The shell lists its own fds; the trailing ":" keeps it from exec'ing ls in its place.
const READ_FD3_AND_LIST = "cat <&3; ls /proc/$$/fd; :";

describe("--preserve-fds", () => {
  it("run: a pipe as fd 3 is readable inside, and the fds there are exactly 0-3", () => {
    const b = makeBundle(["sh", "-c", READ_FD3_AND_LIST]);
    rt.trackDir(b.dir);
    const pipe = pipeWith("through-the-pipe\n");
    // fd 4 is open in skiff too, but not preserved: it must not reach the container.
    const unrelated = fs.openSync("/etc/hostname", "r");
    try {
      const r = skiffWithFds(["run", "--preserve-fds", "1", "--bundle", b.dir, rt.track(uniqueId("fds"))], [pipe, unrelated]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("through-the-pipe\n0\n1\n2\n3\n");
    } finally {
      fs.closeSync(pipe);
      fs.closeSync(unrelated);
    }
  });

  it("without --preserve-fds only stdio is open inside", () => {
    const b = makeBundle(["sh", "-c", "ls /proc/$$/fd; :"]);
    rt.trackDir(b.dir);
    const pipe = pipeWith("unused");
    try {
      expect(skiffWithFds(["run", "--bundle", b.dir, rt.track(uniqueId("fds"))], [pipe]).stdout).toBe("0\n1\n2\n");
    } finally {
      fs.closeSync(pipe);
    }
  });

  it("create keeps the preserved fds for the init until start; several at once", async () => {
    const b = makeBundle(["sh", "-c", "cat <&3; cat <&4; ls /proc/$$/fd; :"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("fds"));
    const first = pipeWith("first\n");
    const second = pipeWith("second\n");
    const out = fs.openSync(`${b.dir}/out`, "w+");
    try {
      // The init's stdout and stderr go to a file, which outlives create.
      const r = spawnSync(SKIFF, ["--root", rt.root, "create", "--preserve-fds", "2", "--bundle", b.dir, id], {
        stdio: ["ignore", out, out, first, second],
        timeout: 30_000,
      });
      expect(r.status).toBe(0);
    } finally {
      fs.closeSync(first);
      fs.closeSync(second);
      fs.closeSync(out);
    }
    rt.ok(["start", id]);
    expect(await waitFor(() => rt.state(id).status === "stopped")).toBe(true);
    expect(fs.readFileSync(`${b.dir}/out`, "utf8")).toBe("first\nsecond\n0\n1\n2\n3\n4\n");
  });

  it("exec: the preserved pipe reaches the new process, nothing else does", () => {
    const b = makeBundle(["sleep", "600"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("fds"));
    rt.ok(["run", "--detach", "--bundle", b.dir, id]);
    const pipe = pipeWith("to-exec\n");
    const unrelated = fs.openSync("/etc/hostname", "r");
    try {
      const r = skiffWithFds(["exec", "--preserve-fds", "1", id, "sh", "-c", READ_FD3_AND_LIST], [pipe, unrelated]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("to-exec\n0\n1\n2\n3\n");
    } finally {
      fs.closeSync(pipe);
      fs.closeSync(unrelated);
    }
  });
});

describe("socket activation (LISTEN_FDS)", () => {
  it("fds handed to skiff for its own pid go to the container, which is told LISTEN_FDS=N, LISTEN_PID=1", () => {
    const b = makeBundle(["sh", "-c", 'echo "$LISTEN_FDS $LISTEN_PID"; cat <&3; ls /proc/$$/fd; :']);
    rt.trackDir(b.dir);
    const pipe = pipeWith("activated\n");
    try {
      // exec keeps the shell's pid, so LISTEN_PID names skiff itself.
      const cmd = `export LISTEN_PID=$$ LISTEN_FDS=1; exec "${SKIFF}" --root "${rt.root}" run --bundle "${b.dir}" ${rt.track(uniqueId("fds"))}`;
      const r = spawnSync("sh", ["-c", cmd], { stdio: ["ignore", "pipe", "pipe", pipe], encoding: "utf8", timeout: 30_000 });
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("1 1\nactivated\n0\n1\n2\n3\n");
    } finally {
      fs.closeSync(pipe);
    }
  });

  it("an exec into a socket-activated container is not told LISTEN_FDS: only the init was handed fds", () => {
    const b = makeBundle(["sleep", "300"]);
    rt.trackDir(b.dir);
    const pipe = pipeWith("activated\n");
    const id = rt.track(uniqueId("fds"));
    try {
      const cmd = `export LISTEN_PID=$$ LISTEN_FDS=1; exec "${SKIFF}" --root "${rt.root}" run --detach --bundle "${b.dir}" ${id}`;
      expect(spawnSync("sh", ["-c", cmd], { stdio: ["ignore", "ignore", "pipe", pipe], encoding: "utf8", timeout: 30_000 }).stderr).toBe("");
    } finally {
      fs.closeSync(pipe);
    }
    expect(rt.ok(["exec", id, "cat", "/proc/1/environ"]).stdout).toContain("LISTEN_FDS=1");
    expect(rt.ok(["exec", id, "sh", "-c", 'echo "[$LISTEN_FDS][$LISTEN_PID]"']).stdout).toBe("[][]\n");
    rt.ok(["delete", "--force", id]);
  });

  it("LISTEN_FDS meant for another pid is ignored", () => {
    const b = makeBundle(["sh", "-c", 'echo "[$LISTEN_FDS]"; ls /proc/$$/fd; :']);
    rt.trackDir(b.dir);
    const pipe = pipeWith("x");
    try {
      const cmd = `export LISTEN_PID=1 LISTEN_FDS=1; exec "${SKIFF}" --root "${rt.root}" run --bundle "${b.dir}" ${rt.track(uniqueId("fds"))}`;
      const r = spawnSync("sh", ["-c", cmd], { stdio: ["ignore", "pipe", "pipe", pipe], encoding: "utf8", timeout: 30_000 });
      expect(r.stdout).toBe("[]\n0\n1\n2\n");
    } finally {
      fs.closeSync(pipe);
    }
  });
});
