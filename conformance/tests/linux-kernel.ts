// config-linux.md "Personality", "Offset for Time Namespace" and "Memory policy": how the
// kernel presents itself to the container process.
import * as fs from "node:fs";
import * as os from "node:os";
import { execFileSync } from "node:child_process";
import { check, checkEqual, skip } from "../assert.js";
import { probeTest } from "../define.js";
import { type ConformanceTest, type TestContext } from "../harness.js";
import { parseProbeOutput, type ProbeReport } from "../probe-report.js";
import type { Clause } from "../results.js";

const linuxClause = (section: string, text: string, level: Clause["level"] = "MUST"): Clause => ({ doc: "config-linux.md", section, level, text });

/** personality(2)'s PER_LINUX32. */
const PER_LINUX32 = 0x0008;

/** numaif.h: MPOL_INTERLEAVE. */
const MPOL_INTERLEAVE = 3;

const MONOTONIC_OFFSET = 365 * 86_400;
const BOOTTIME_OFFSET = 30 * 86_400;

/** The host's clocks as the same probe reads them, in the runner's time namespace. */
function hostClocks(t: TestContext): ProbeReport["clocks"] {
  return parseProbeOutput(execFileSync(t.suite.probe, ["report"], { encoding: "utf8" })).clocks;
}

/** `inside` minus `offset` lies between the host's readings before and now (with 1 s slack). */
function checkOffsetClock(what: string, inside: number, offset: number, before: number, after: number): void {
  const shifted = inside - offset;
  check(shifted >= before - 1 && shifted <= after + 1, `${what} in the container is ${inside}; minus the offset ${offset} that is ${shifted}, outside the host's [${before}, ${after}]`);
}

export const linuxKernelTests: ConformanceTest[] = [
  probeTest({
    id: "personality.linux32",
    clause: linuxClause("Personality", "domain LINUX32 sets the PER_LINUX32 persona, so uname reports a 32-bit machine such as i686"),
    configure: (spec) => (spec.linux!.personality = { domain: "LINUX32" }),
    expect: (r) => {
      checkEqual(r.personality & 0xff, PER_LINUX32, "persona (personality(0xffffffff) & 0xff)");
      check(/^i[3-6]86$/.test(r.machine), `uname's machine is ${r.machine}, not a 32-bit x86 name`);
    },
  }),
  probeTest({
    id: "personality.linux",
    clause: linuxClause("Personality", "domain LINUX keeps the native persona"),
    configure: (spec) => (spec.linux!.personality = { domain: "LINUX" }),
    expect: (r) => {
      checkEqual(r.personality & 0xff, 0, "persona (PER_LINUX is 0)");
      checkEqual(r.machine, os.machine(), "uname's machine (the host's)");
    },
  }),
  {
    id: "time-offsets",
    clause: linuxClause("Offset for Time Namespace", "timeOffsets shift the container's monotonic and boottime clocks by the configured seconds"),
    async run(t) {
      if (!fs.existsSync("/proc/self/ns/time")) skip("this kernel has no time namespaces");
      const bundle = t.bundle((spec) => {
        spec.linux!.namespaces!.push({ type: "time" });
        spec.linux!.timeOffsets = { monotonic: { secs: MONOTONIC_OFFSET }, boottime: { secs: BOOTTIME_OFFSET } };
      });
      const before = hostClocks(t);
      const inside = (await t.container(bundle).runToCompletion()).clocks;
      const after = hostClocks(t);
      checkOffsetClock("CLOCK_MONOTONIC", inside.monotonic, MONOTONIC_OFFSET, before.monotonic, after.monotonic);
      checkOffsetClock("CLOCK_BOOTTIME", inside.boottime, BOOTTIME_OFFSET, before.boottime, after.boottime);
    },
  },
  probeTest({
    id: "memory-policy",
    clause: linuxClause("Memory policy", "memoryPolicy sets the process's NUMA policy (set_mempolicy) to the mode and nodes given"),
    configure: (spec) => {
      if (!fs.existsSync("/sys/devices/system/node/node0")) skip("this machine has no NUMA node 0 (CONFIG_NUMA off?)");
      spec.linux!.memoryPolicy = { mode: "MPOL_INTERLEAVE", nodes: "0" };
    },
    expect: (r) => checkEqual(r.mempolicy, { mode: MPOL_INTERLEAVE, nodes: 1 }, "get_mempolicy mode (3: MPOL_INTERLEAVE) and node mask"),
  }),
];
