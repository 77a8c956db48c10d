// config-linux.md "Seccomp": the filter is loaded, each action does what libseccomp defines it
// to do, argument conditions narrow a rule, and errno values go only with actions that take one.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Seccomp, SeccompAction } from "../../src/spec/types.js";
import { check, checkEqual, fail, skip } from "../assert.js";
import { createFailsTest, probeTest, shell } from "../define.js";
import { waitFor, type ConformanceTest } from "../harness.js";
import { probeValue, statusField, type ProbeReport, type SyscallResult } from "../probe-report.js";
import type { Clause } from "../results.js";

const seccompClause = (text: string, level: Clause["level"] = "MUST"): Clause => ({ doc: "config-linux.md", section: "Seccomp", level, text });

const ARCHITECTURES: Seccomp["architectures"] = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];

/** x86_64 syscall numbers of the probe's --syscall targets (asm/unistd_64.h). */
const NR = { getpgid: 121, getsid: 124 } as const;

/** The SIGSYS number: a shell reports a child killed by it as exit status 128 + 31. */
const SIGSYS = 31;

function withFilter(syscalls: Seccomp["syscalls"], base: Partial<Seccomp> = {}): Seccomp {
  return { defaultAction: "SCMP_ACT_ALLOW", architectures: ARCHITECTURES, syscalls, ...base };
}

function syscallResult(r: ProbeReport, call: string): SyscallResult {
  return probeValue(r.syscall[call], `--syscall ${call}`);
}

function checkFilterMode(r: ProbeReport): void {
  checkEqual(statusField(probeValue(r.status, "/proc/self/status"), "Seccomp"), "2", "Seccomp mode in /proc/self/status (2: filter)");
}

function checkErrno(r: ProbeReport, call: string, errno: string): void {
  const result = syscallResult(r, call);
  check(result.ret === -1 && result.errno === errno, `${call} under the filter gave ${JSON.stringify(result)}, not ${errno}`);
}

function checkAllowed(r: ProbeReport, call: string): void {
  const result = syscallResult(r, call);
  check(result.ret >= 0 && result.sigsys === -1, `${call} should have run unfiltered, but gave ${JSON.stringify(result)}`);
}

/** A probe run under `seccomp` making the --syscall calls `calls`, judged by `expect`. */
function filterTest(def: { id: string; text: string; seccomp: Seccomp | (() => Seccomp); calls: string[]; expect: (r: ProbeReport) => void }): ConformanceTest {
  return probeTest({
    id: def.id,
    clause: seccompClause(def.text),
    probeArgs: def.calls.flatMap((c) => ["--syscall", c]),
    configure: (spec) => (spec.linux!.seccomp = typeof def.seccomp === "function" ? def.seccomp() : def.seccomp),
    expect: (r) => {
      checkFilterMode(r);
      def.expect(r);
    },
  });
}

/**
 * Runs `test` only where this kernel takes i386 system calls (int 0x80) at all: the probe makes
 * one here, outside any container and filter. A kernel without IA32 emulation, or a guest whose
 * hypervisor refuses the gate (int 0x80 is a general protection fault there), kills it instead.
 */
function withI386Abi(test: ConformanceTest): ConformanceTest {
  return {
    ...test,
    async run(t) {
      const probe = spawnSync(t.suite.probe, ["report", "--syscall", "getpgid32 0"], { encoding: "utf8" });
      if (probe.status !== 0) skip(`this kernel does not take i386 system calls (the probe's int 0x80 outside a container: ${probe.signal ?? `exit ${probe.status}`})`);
      await test.run(t);
    },
  };
}

/**
 * The kill actions end the process as if by an uncatchable SIGSYS. A shell (which never makes
 * the filtered call itself) runs the probe and prints how it ended: 128 + SIGSYS also rules out
 * the probe's own SIGSYS handler, which would return and let it exit 0.
 */
function killActionTest(action: SeccompAction): ConformanceTest {
  return {
    id: `seccomp.${action.replace("SCMP_ACT_", "").toLowerCase().replace(/_/g, "-")}-action`,
    clause: seccompClause(`a syscall matched by an ${action} rule kills the process with SIGSYS`),
    async run(t) {
      const c = t.container(
        t.bundle((spec) => {
          spec.process!.args = shell("/probe report --syscall 'getpgid 0'; echo probe-exit=$?");
          spec.linux!.seccomp = withFilter([{ names: ["getpgid"], action }]);
        }),
      );
      await c.createOk();
      await c.startOk();
      await c.waitForStatus("stopped");
      const output = c.output();
      const exit = /probe-exit=(\d+)/.exec(output)?.[1];
      if (exit === undefined) fail(`the container's shell did not report the probe's end: ${JSON.stringify(output.slice(-300))}`);
      checkEqual(Number(exit), 128 + SIGSYS, "exit status of the probe as the shell saw it (128 + SIGSYS)");
    },
  };
}

/** Every x86_64 syscall name the host's kernel headers list, to allow everything but a few. */
function x86_64SyscallNames(): string[] {
  const header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
  if (!fs.existsSync(header)) skip(`${header} (linux-libc-dev) is missing: no list of syscall names to allow`);
  return [...fs.readFileSync(header, "utf8").matchAll(/^#define __NR_(\w+) \d+$/gm)].map((m) => m[1]!);
}

/** What `probe seccomp-agent` saw on its one connection. */
interface AgentRecord {
  payload: string;
  fds: number;
  closed: boolean;
}

const LISTENER_METADATA = "conformance-metadata";

/**
 * SCMP_ACT_NOTIFY with a listenerPath: the probe, run on the host as the agent, records what the
 * runtime sent and answers the container's notified getpgid with EXDEV through the received
 * descriptor — which only works if that descriptor is the filter's notify fd.
 */
const notifyListenerTest: ConformanceTest = {
  id: "seccomp.notify-listener",
  clause: seccompClause(
    "with SCMP_ACT_NOTIFY the runtime connects to listenerPath and sends one container process state (ociVersion, fds [seccompFd] by SCM_RIGHTS, pid, metadata, state), then closes the connection",
  ),
  async run(t) {
    const bundle = t.bundle();
    const socketPath = path.join(bundle.dir, "agent.sock");
    const recordPath = path.join(bundle.dir, "agent.json");
    const agent = spawn(t.suite.probe, ["seccomp-agent", socketPath, recordPath], { stdio: "ignore" });
    try {
      await waitFor("the agent's socket", 5000, () => (fs.existsSync(socketPath) ? true : undefined));
      bundle.spec.process!.args = ["/probe", "report", "--syscall", "getpgid 0"];
      bundle.spec.linux!.seccomp = withFilter([{ names: ["getpgid"], action: "SCMP_ACT_NOTIFY" }], {
        listenerPath: socketPath,
        listenerMetadata: LISTENER_METADATA,
      });
      bundle.write();
      const c = t.container(bundle);
      const r = await c.runToCompletion();
      const record = JSON.parse(fs.readFileSync(recordPath, "utf8")) as AgentRecord;
      check(record.closed, `the runtime did not close the connection after the state (payload so far: ${record.payload.slice(0, 200)})`);
      checkEqual(record.fds, 1, "descriptors received by SCM_RIGHTS");
      let sent: { ociVersion?: unknown; fds?: unknown; pid?: unknown; metadata?: unknown; state?: { id?: unknown } };
      try {
        sent = JSON.parse(record.payload) as typeof sent;
      } catch {
        fail(`the payload is not one JSON container process state: ${JSON.stringify(record.payload.slice(0, 300))}`);
      }
      check(typeof sent.ociVersion === "string", `ociVersion is ${JSON.stringify(sent.ociVersion)}`);
      checkEqual(sent.fds, ["seccompFd"], "fds");
      check(typeof sent.pid === "number" && sent.pid > 0, `pid is ${JSON.stringify(sent.pid)}`);
      checkEqual(sent.metadata, LISTENER_METADATA, "metadata (listenerMetadata)");
      checkEqual(sent.state?.id, c.id, "state.id");
      checkErrno(r, "getpgid 0", "EXDEV");
    } finally {
      agent.kill("SIGKILL");
    }
  },
};

export const seccompTests: ConformanceTest[] = [
  filterTest({
    id: "seccomp.errno-action",
    text: "a syscall matched by an SCMP_ACT_ERRNO rule fails with the rule's errnoRet",
    seccomp: withFilter([{ names: ["getpgid"], action: "SCMP_ACT_ERRNO", errnoRet: 18 }]),
    calls: ["getpgid 0"],
    expect: (r) => checkErrno(r, "getpgid 0", "EXDEV"),
  }),
  filterTest({
    id: "seccomp.errno-default-eperm",
    text: "SCMP_ACT_ERRNO without errnoRet fails the syscall with EPERM",
    seccomp: withFilter([{ names: ["getpgid"], action: "SCMP_ACT_ERRNO" }]),
    calls: ["getpgid 0"],
    expect: (r) => checkErrno(r, "getpgid 0", "EPERM"),
  }),
  ...(["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD"] as const).map(killActionTest),
  filterTest({
    id: "seccomp.trap-action",
    text: "a syscall matched by an SCMP_ACT_TRAP rule is not run and delivers SIGSYS naming it",
    seccomp: withFilter([{ names: ["getpgid"], action: "SCMP_ACT_TRAP" }]),
    calls: ["getpgid 0"],
    expect: (r) => checkEqual(syscallResult(r, "getpgid 0").sigsys, NR.getpgid, "si_syscall of the SIGSYS the call raised"),
  }),
  filterTest({
    id: "seccomp.log-action",
    text: "a syscall matched by an SCMP_ACT_LOG rule runs (it is only logged)",
    seccomp: withFilter([{ names: ["getpgid"], action: "SCMP_ACT_LOG" }]),
    calls: ["getpgid 0"],
    expect: (r) => checkAllowed(r, "getpgid 0"),
  }),
  filterTest({
    id: "seccomp.argument-conditions",
    text: "a rule with args matches only calls whose arguments meet every condition (here SCMP_CMP_EQ and SCMP_CMP_GT)",
    seccomp: withFilter([
      { names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 18, args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }] },
      { names: ["getsid"], action: "SCMP_ACT_ERRNO", errnoRet: 25, args: [{ index: 0, value: 1_000_000, op: "SCMP_CMP_GT" }] },
    ]),
    calls: ["personality 0xffffffff", "personality 8", "getsid 0", "getsid 2000000"],
    expect: (r) => {
      checkAllowed(r, "personality 0xffffffff");
      checkErrno(r, "personality 8", "EXDEV");
      checkAllowed(r, "getsid 0");
      checkErrno(r, "getsid 2000000", "ENOTTY");
    },
  }),
  filterTest({
    id: "seccomp.default-errno-ret",
    text: "defaultErrnoRet is the errno of the default SCMP_ACT_ERRNO action",
    // Everything is allowed but getpgid, so that the runtime and the probe can still run.
    seccomp: () =>
      withFilter([{ names: x86_64SyscallNames().filter((name) => name !== "getpgid"), action: "SCMP_ACT_ALLOW" }], {
        defaultAction: "SCMP_ACT_ERRNO",
        defaultErrnoRet: 18,
      }),
    calls: ["getpgid 0", "getsid 0"],
    expect: (r) => {
      checkErrno(r, "getpgid 0", "EXDEV");
      checkAllowed(r, "getsid 0");
    },
  }),
  withI386Abi(
    filterTest({
      id: "seccomp.architectures",
      text: "the filter's rules apply to the system calls of every listed architecture (here the i386 ABI of an x86_64 kernel)",
      seccomp: withFilter([{ names: ["getpgid"], action: "SCMP_ACT_ERRNO", errnoRet: 18 }], { architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"] }),
      calls: ["getpgid 0", "getpgid32 0"],
      expect: (r) => {
        checkErrno(r, "getpgid 0", "EXDEV");
        checkErrno(r, "getpgid32 0", "EXDEV");
      },
    }),
  ),
  notifyListenerTest,
  createFailsTest({
    id: "seccomp.errno-ret-on-kill-errors",
    clause: seccompClause("errnoRet on a rule whose action takes no errno (SCMP_ACT_KILL) must make the runtime fail"),
    configure: (spec) => (spec.linux!.seccomp = withFilter([{ names: ["getpgid"], action: "SCMP_ACT_KILL", errnoRet: 18 }])),
  }),
  createFailsTest({
    id: "seccomp.default-errno-ret-on-allow-errors",
    clause: seccompClause("defaultErrnoRet with a defaultAction that takes no errno (SCMP_ACT_ALLOW) must make the runtime fail"),
    configure: (spec) => (spec.linux!.seccomp = withFilter([{ names: ["getpgid"], action: "SCMP_ACT_ERRNO" }], { defaultErrnoRet: 18 })),
  }),
];
