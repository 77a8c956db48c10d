// Helpers for the cgroup integration tests: processes the tests start (and stop, by pid) and a
// counter that shows whether a process is running or frozen.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SkiffError } from "../errors.js";
import type { CgroupManager } from "./index.js";

export interface Started {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<Started>();
const tempDirs = new Set<string>();

export function start(cmd: string, args: string[], opts: { stdin?: boolean } = {}): Started {
  const child = spawn(cmd, args, { stdio: [opts.stdin ? "pipe" : "ignore", "pipe", "inherit"] });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const s = { child, pid: child.pid, exited };
  started.add(s);
  void exited.then(() => started.delete(s));
  return s;
}

/** SIGKILLs every process this file started that is still running, waits for each, and removes temp files. */
export async function stopAll(): Promise<void> {
  const all = [...started];
  killAll(all.map((s) => s.pid));
  for (const s of all) await s.exited;
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/** SIGKILLs the given pids (processes the tests started or their descendants). */
export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Resolves with the first line the process prints on stdout. */
export function firstLine(s: Started): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    s.child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    void s.exited.then(() => reject(new Error(`process ${s.pid} exited before printing a line`)));
  });
}

/**
 * A shell that waits for one line on stdin (so the test can move it into a cgroup first), then
 * writes an increasing number to a file every 20 ms.
 */
export function startCounter(): { proc: Started; file: string; go: () => void; read: () => number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-counter-"));
  tempDirs.add(dir);
  const file = path.join(dir, "n");
  const proc = start("sh", ["-c", 'read _; i=0; while :; do i=$((i+1)); echo $i > "$0"; sleep 0.02; done', file], { stdin: true });
  return {
    proc,
    file,
    go: () => proc.child.stdin!.write("go\n"),
    read: () => Number(fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() || "0" : "0"),
  };
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds (or fails after `ms`): kernel state changes are not instant. */
export async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await delay(20);
  }
}

export function cgroupLines(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
}

export const isRoot = process.getuid?.() === 0;

/** Debian's python3 itself: a version-manager shim would fork a shell first, which pids.max counts. */
export const PYTHON = "/usr/bin/python3";

/** The SkiffError `f` throws; anything else (or nothing) fails the test. */
export function errorOf(f: () => void): SkiffError {
  try {
    f();
  } catch (e) {
    if (e instanceof SkiffError) return e;
    throw e;
  }
  throw new Error("expected a SkiffError");
}

/** The SkiffError the promise rejects with; anything else (or success) fails the test. */
export async function rejectionOf(p: Promise<unknown>): Promise<SkiffError> {
  const failure = await p.then(
    () => undefined,
    (e: unknown) => e ?? new Error("rejected with nothing"),
  );
  return errorOf(() => {
    if (failure !== undefined) throw failure;
  });
}

/**
 * Empties and removes the managers' cgroups: thaws them (a frozen v1 task cannot die), kills
 * every process in them (the tests' processes and what those forked), waits until they are
 * empty, and destroys each one even when another fails.
 */
export async function removeCgroups(managers: CgroupManager[]): Promise<void> {
  const errors: unknown[] = [];
  for (const m of managers.splice(0)) {
    try {
      if (await m.isFrozen()) m.thaw();
      killAll(m.pids());
      await eventually(() => m.pids().length === 0);
    } catch (e) {
      errors.push(e);
    }
    try {
      await m.destroy();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw errors[0];
}
