// Issue 11: a seccomp profile is an allow-list written for what runc's init does once its filter
// is in (runtime-tools' default profile predates close_range, for one). Whatever skiff-init does
// after loading the filter must be allowed by such a profile: these containers run under one that
// allows exactly runc's post-filter calls plus what the program itself needs, and a trace checks
// skiff-init's own calls between the load and execve.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Spec } from "../spec/types.js";
import { RUNC_AFTER_FILTER } from "../linux/seccomp.testing.js";
import { makeBundle, Runtime, SKIFF, uniqueId } from "../testing/harness.js";
import { tempDirForFile } from "../testing/temp-dirs.js";

const PROGRAM = ["sh", "-c", "echo $(id -u) $(pwd)"];

const rt = new Runtime();
// Made once a test is to run: vitest runs no hooks in a file whose tests all skip, so a scratch
// dir (and its straces) made at import would outlive such a run.
let scratch: string;
/** What the container's program needs for itself, measured by running it on the host. */
let programCalls: string[];
beforeAll(() => {
  scratch = tempDirForFile("skiff-allowlist-");
  programCalls = [...syscallsOf(["/bin/busybox", ...PROGRAM]), ...syscallsOf(["/bin/busybox", "sleep", "0"])];
});
afterAll(() => rt.cleanup());

/** The syscall names a command makes, every process and thread, from an strace of it. */
function syscallsOf(args: string[]): Set<string> {
  const trace = path.join(scratch, `trace-${uniqueId()}`);
  const r = spawnSync("strace", ["-f", "-qq", "-o", trace, ...args]);
  if (r.status !== 0) throw new Error(`strace ${args.join(" ")}: ${r.stderr}`);
  return new Set(
    fs
      .readFileSync(trace, "utf8")
      .split("\n")
      .map((l) => /^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]/.exec(l)?.[1])
      .filter((n): n is string => !!n),
  );
}

/** The allow-list profile: runc's post-filter calls and the program's, everything else EPERM. */
function allowList(c: Spec): void {
  c.linux!.seccomp = {
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    syscalls: [{ names: [...new Set([...RUNC_AFTER_FILTER, ...programCalls])], action: "SCMP_ACT_ALLOW" }],
  };
}

/** Runs a skiff command under strace; returns its result and skiff-init's calls after the load. */
function traced(args: string[]): { status: number | null; stdout: string; stderr: string; afterLoad: string[] } {
  const trace = path.join(scratch, `trace-${uniqueId()}`);
  const r = spawnSync("strace", ["-f", "-qq", "-o", trace, SKIFF, "--root", rt.root, ...args], { encoding: "utf8", timeout: 30_000 });
  const lines = fs.readFileSync(trace, "utf8").split("\n");
  // the last load: skiff itself may probe the kernel with libseccomp first
  const load = lines.map((l, i) => (/seccomp\(SECCOMP_SET_MODE_FILTER, .*\{len=/.test(l) ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
  expect(load, "the filter was loaded").toBeGreaterThanOrEqual(0);
  const pid = lines[load].split(/\s+/)[0];
  const afterLoad: string[] = [];
  for (const l of lines.slice(load + 1)) {
    // a "<... name resumed>" line continues a call counted where it began
    const m = /^(\d+)\s+([a-z0-9_]+)\(/.exec(l);
    if (!m || m[1] !== pid) continue;
    afterLoad.push(m[2]);
    if (m[2] === "execve") break;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, afterLoad };
}

const cases = [
  { noNewPrivileges: true, uid: 0 },
  { noNewPrivileges: false, uid: 0 },
  { noNewPrivileges: true, uid: 1000 },
  { noNewPrivileges: false, uid: 1000 },
];

describe("under an allow-list profile holding what runc's init needs", () => {
  for (const { noNewPrivileges, uid } of cases) {
    const label = `noNewPrivileges ${noNewPrivileges}, uid ${uid}`;
    const edit = (c: Spec) => {
      allowList(c);
      c.process!.noNewPrivileges = noNewPrivileges;
      c.process!.user = { uid, gid: uid };
      c.process!.cwd = "/tmp";
    };

    it(`run (${label}): the program runs; skiff-init calls nothing after the load that runc's init does not`, () => {
      const b = makeBundle(PROGRAM, edit);
      rt.trackDir(b.dir);
      const r = traced(["run", "--bundle", b.dir, uniqueId()]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(`${uid} /tmp\n`);
      expect(r.status).toBe(0);
      expect(r.afterLoad.at(-1)).toBe("execve");
      expect(r.afterLoad.filter((n) => !RUNC_AFTER_FILTER.includes(n))).toEqual([]);
    });

    it(`exec (${label}): the same for a process added to the container`, () => {
      const b = makeBundle(["sleep", "60"], edit);
      rt.trackDir(b.dir);
      const id = rt.track(uniqueId());
      rt.ok(["run", "-d", "--bundle", b.dir, id]);
      const r = traced(["exec", "--user", `${uid}:${uid}`, ...(noNewPrivileges ? ["--no-new-privs"] : []), id, ...PROGRAM]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(`${uid} /tmp\n`);
      expect(r.status).toBe(0);
      expect(r.afterLoad.filter((n) => !RUNC_AFTER_FILTER.includes(n))).toEqual([]);
      rt.ok(["delete", "--force", id]);
    });
  }
});
