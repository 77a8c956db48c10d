// Compiled profiles (seccomp.ts) loaded by skiff-init into real containers, where runc loads
// them: a static probe in the busybox rootfs makes the syscalls and prints what the kernel
// answered under the filter (syscall-probe.c). The BPF compiler's own unit tests are in
// seccomp.test.ts; listeners and flags seen by strace in plan/seccomp-agent.integration.test.ts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useCProgram } from "../plan/c-program.testing.js";
import type { Seccomp, SeccompFlag } from "../spec/types.js";
import { makeBundle, Runtime, uniqueId, type Result } from "../testing/harness.js";
import { RUNC_AFTER_FILTER } from "./seccomp.testing.js";

const EPERM = 1, ENOENT = 2, EACCES = 13, ENOSYS = 38;
// x86_64 numbers (i386 has its own table; fchmodat2 is 452 on both, newer than libseccomp 2.5.4).
const NR = { umask: 95, tkill: 200, fchmodat2: 452, i386: { getpid: 20, umask: 60 } };

/**
 * What a deny-by-default profile allows: skiff-init's calls between the load and execve, and
 * the probe's own. The newest of them is faccessat2 (439), which sets where ENOSYS begins.
 */
const NEEDED = [...RUNC_AFTER_FILTER, "arch_prctl", "set_tid_address", "exit_group", "exit"];

const rt = new Runtime();
afterAll(() => rt.cleanup());

describe.skipIf(os.arch() !== "x64")("compiled filters, loaded by skiff-init", () => {
  const probe = useCProgram("syscall-probe", fs.readFileSync(new URL("./syscall-probe.c", import.meta.url), "utf8"), { static: true });

  function run(s: Seccomp, calls: string[]): Result {
    const b = makeBundle(["/probe", ...calls], (c) => (c.linux!.seccomp = s));
    rt.trackDir(b.dir);
    fs.copyFileSync(probe.path, path.join(b.rootfs, "probe"));
    fs.chmodSync(path.join(b.rootfs, "probe"), 0o755);
    return rt.skiff(["run", "--bundle", b.dir, uniqueId("sc")]);
  }

  /** The probe's lines from a container under profile `s`. */
  function answers(s: Seccomp, calls: string[]): string[] {
    const r = run(s, calls);
    if (r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stderr}`);
    return r.stdout.trim().split("\n");
  }

  /** The same calls on the host, without a filter; undefined if the probe dies (no such ABI). */
  function unfiltered(calls: string[]): string[] | undefined {
    const r = spawnSync(probe.path, calls, { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim().split("\n") : undefined;
  }

  it("compiles a profile without a temporary directory (no addon to extract; TMPDIR unusable)", () => {
    // An errno of its own, so the filter is not in the state root's cache: the compiler runs
    // (libseccomp takes errnos up to 4094).
    const errno = 100 + Math.floor(Math.random() * 3900);
    const b = makeBundle(["/probe", "mkdir"], (c) => (c.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: errno }] }));
    rt.trackDir(b.dir);
    fs.copyFileSync(probe.path, path.join(b.rootfs, "probe"));
    fs.chmodSync(path.join(b.rootfs, "probe"), 0o755);
    const r = rt.skiff(["run", "--bundle", b.dir, uniqueId("sc")], { env: { ...process.env, TMPDIR: path.join(b.dir, "no-such-directory") } });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`mkdir=-1 ${errno}`);
  });

  it("returns the configured errno for denied syscalls and lets the rest through", () => {
    const out = answers({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: EACCES }] }, ["mkdir", "getcwd"]);
    expect(out).toEqual([`mkdir=-1 ${EACCES}`, "getcwd=0 0"]);
  });

  it("applies defaultErrnoRet under a deny-by-default profile", () => {
    const out = answers({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: ENOENT, syscalls: [{ names: NEEDED, action: "SCMP_ACT_ALLOW" }] }, ["mkdir", "getcwd"]);
    expect(out).toEqual([`mkdir=-1 ${ENOENT}`, "getcwd=0 0"]);
  });

  it("matches argument conditions, with repeated indexes as alternatives", () => {
    const out = answers(
      {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [
          { names: ["umask"], action: "SCMP_ACT_ERRNO", errnoRet: 11, args: [{ index: 0, value: 0o77, op: "SCMP_CMP_EQ" }, { index: 0, value: 0o70, op: "SCMP_CMP_EQ" }] },
          { names: ["umask"], action: "SCMP_ACT_ERRNO", errnoRet: 12, args: [{ index: 0, value: 0o700, valueTwo: 0o700, op: "SCMP_CMP_MASKED_EQ" }] },
        ],
      },
      ["0077", "0070", "0022", "0777"].map((mask) => `${NR.umask}/${mask}`),
    );
    expect(out).toEqual([`${NR.umask}/0077=-1 11`, `${NR.umask}/0070=-1 11`, `${NR.umask}/0022=0 0`, `${NR.umask}/0777=-1 12`]);
  });

  it("loads with the flags compileSeccomp returns", () => {
    const flags: SeccompFlag[] = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"];
    expect(answers({ defaultAction: "SCMP_ACT_ALLOW", flags, syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] }, ["mkdir"])).toEqual([`mkdir=-1 ${EPERM}`]);
  });

  it("answers ENOSYS, not the default errno, for syscalls newer than any the profile names", () => {
    const out = answers({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: NEEDED, action: "SCMP_ACT_ALLOW" }] }, ["mkdir", `${NR.fchmodat2}`, "1000", `${NR.tkill}`]);
    // tkill is older than faccessat2 (the newest named), so the default applies to it, as to mkdir.
    expect(out).toEqual([`mkdir=-1 ${EPERM}`, `${NR.fchmodat2}=-1 ${ENOSYS}`, `1000=-1 ${ENOSYS}`, `${NR.tkill}=-1 ${EPERM}`]);
  });

  it("keeps the default for newer syscalls once the profile names a newer one", () => {
    const out = answers({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: [...NEEDED, "futex_waitv"], action: "SCMP_ACT_ALLOW" }] }, ["440", `${NR.fchmodat2}`]);
    expect(out).toEqual([`440=-1 ${EPERM}`, `${NR.fchmodat2}=-1 ${ENOSYS}`]);
  });

  it("applies the ENOSYS limit per ABI: i386 and x32 calls from an x86_64 process", (ctx) => {
    ctx.skip(unfiltered([`i386:${NR.i386.getpid}`]) === undefined, "this kernel runs no i386 syscalls");
    const profile: Seccomp = {
      defaultAction: "SCMP_ACT_ERRNO",
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      syscalls: [{ names: NEEDED, action: "SCMP_ACT_ALLOW" }, { names: ["umask"], action: "SCMP_ACT_ERRNO", errnoRet: EACCES }],
    };
    const out = answers(profile, [`i386:${NR.fchmodat2}`, `i386:${NR.i386.umask}/0022`, `x32:${NR.fchmodat2}`, "x32:1000", `x32:${NR.umask}/0022`]);
    expect(out).toEqual([
      `i386:${NR.fchmodat2}=-1 ${ENOSYS}`,
      `i386:${NR.i386.umask}/0022=-1 ${EACCES}`,
      // x32's own rt_sigreturn is 513 (its compat calls sit at 512-547): 452 is not newer there
      `x32:${NR.fchmodat2}=-1 ${EPERM}`,
      `x32:1000=-1 ${ENOSYS}`,
      `x32:${NR.umask}/0022=-1 ${EACCES}`,
    ]);
  });

  it("lets an allow-by-default filter pass a newer syscall to the kernel (no ENOSYS prologue)", () => {
    // On kernels with fchmodat2 (6.6+) the kernel itself answers EFAULT for the NULL path.
    const calls = [`${NR.fchmodat2}`];
    expect(answers({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] }, calls)).toEqual(unfiltered(calls));
  });

  it("kills the process for SCMP_ACT_KILL_PROCESS", () => {
    const r = run({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_KILL_PROCESS" }] }, ["getcwd", "mkdir", "getcwd"]);
    expect(r.stdout).toBe("getcwd=0 0\n");
    expect(r.status).toBe(128 + os.constants.signals.SIGSYS);
  });
});
