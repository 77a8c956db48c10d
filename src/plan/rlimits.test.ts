import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ownCapabilitySet } from "./capabilities.js";
import { checkRlimitsAgainstHost, parseProcLimits, RLIM_INFINITY, rlimitPlan, RLIMITS } from "./rlimits.js";

describe("rlimitPlan", () => {
  it("maps every RLIMIT_* to its resource number, keeping the order given", () => {
    const all = Object.keys(RLIMITS).map((type, i) => ({ type, soft: i, hard: i + 1 }));
    const plan = rlimitPlan(all);
    expect(plan.map((s) => s.resource)).toEqual([...Array(16).keys()]);
    expect(plan[7]).toEqual({ type: "RLIMIT_NOFILE", resource: 7, soft: 7n, hard: 8n });
    expect(rlimitPlan([{ type: "RLIMIT_RTTIME", soft: 1, hard: 1 }, { type: "RLIMIT_AS", soft: 1, hard: 2 }]).map((s) => s.resource)).toEqual([15, 9]);
  });

  it("is empty without rlimits", () => {
    expect(rlimitPlan()).toEqual([]);
  });

  it("reads 18446744073709551615 (JSON-rounded to 2^64) as RLIM_INFINITY", () => {
    const [step] = rlimitPlan(JSON.parse('[{"type":"RLIMIT_CORE","soft":1024,"hard":18446744073709551615}]'));
    expect(step).toMatchObject({ soft: 1024n, hard: RLIM_INFINITY });
  });

  it.each([
    [[{ type: "RLIMIT_TEST", soft: 1, hard: 1 }], 'process.rlimits[0].type: unknown rlimit type "RLIMIT_TEST"'],
    [[{ type: "RLIMIT_NOFILE", soft: 1, hard: 1 }, { type: "RLIMIT_NOFILE", soft: 2, hard: 2 }], "process.rlimits[1].type: duplicate rlimit type RLIMIT_NOFILE"],
    [[{ type: "RLIMIT_NOFILE", soft: 2048, hard: 1024 }], "process.rlimits[0]: RLIMIT_NOFILE soft limit 2048 is above its hard limit 1024"],
    [[{ type: "RLIMIT_NOFILE", soft: -1, hard: 1024 }], "process.rlimits[0].soft: must be an unsigned 64-bit integer, got -1"],
    [[{ type: "RLIMIT_NOFILE", soft: 1, hard: 1.5 }], "process.rlimits[0].hard: must be an unsigned 64-bit integer, got 1.5"],
    [[{ type: "toString", soft: 1, hard: 1 }], 'process.rlimits[0].type: unknown rlimit type "toString"'],
  ])("rejects %j", (rlimits, message) => {
    expect(() => rlimitPlan(rlimits)).toThrowError(expect.objectContaining({ kind: "InvalidConfig", message }));
  });
});

describe("checkRlimitsAgainstHost", () => {
  const limits = fs.readFileSync("/proc/self/limits", "utf8");
  const current = parseProcLimits(limits);

  it("parses /proc/self/limits in resource order", () => {
    expect(current).toHaveLength(16);
    const nofile = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits)!;
    expect(current[RLIMITS.RLIMIT_NOFILE]).toEqual([BigInt(nofile[1]), BigInt(nofile[2])]);
    expect(current[RLIMITS.RLIMIT_CPU][1]).toBe(RLIM_INFINITY);
  });

  it("refuses a hard limit above the runtime's when it cannot raise hard limits", () => {
    const hard = Number(current[RLIMITS.RLIMIT_NOFILE][1]);
    const steps = rlimitPlan([{ type: "RLIMIT_NOFILE", soft: 10, hard: hard + 1 }]);
    expect(() => checkRlimitsAgainstHost(steps, false, current)).toThrowError(
      expect.objectContaining({
        kind: "PermissionDenied",
        message: `process.rlimits: cannot raise the RLIMIT_NOFILE hard limit to ${hard + 1} above the runtime's ${hard}: operation not permitted (it needs CAP_SYS_RESOURCE, which the runtime does not have)`,
      }),
    );
    expect(() => checkRlimitsAgainstHost(steps, true, current)).not.toThrow();
  });

  it("accepts limits at or below the runtime's own", () => {
    const hard = Number(current[RLIMITS.RLIMIT_NOFILE][1]);
    expect(() => checkRlimitsAgainstHost(rlimitPlan([{ type: "RLIMIT_NOFILE", soft: 10, hard }]), false)).not.toThrow();
  });

  it("reads by default whether this process can raise hard limits (this host: it cannot)", () => {
    const canRaise = (ownCapabilitySet("CapEff") >> 24n) & 1n;
    const steps = rlimitPlan([{ type: "RLIMIT_NOFILE", soft: 1, hard: Number(current[RLIMITS.RLIMIT_NOFILE][1]) + 1 }]);
    if (canRaise) expect(() => checkRlimitsAgainstHost(steps)).not.toThrow();
    else expect(() => checkRlimitsAgainstHost(steps)).toThrow("cannot raise the RLIMIT_NOFILE hard limit");
  });

  it("names an unlimited current limit as such", () => {
    const fake = current.map(() => [0n, 0n] as [bigint, bigint]);
    const steps = rlimitPlan(JSON.parse('[{"type":"RLIMIT_CORE","soft":0,"hard":18446744073709551615}]'));
    expect(() => checkRlimitsAgainstHost(steps, false, fake)).toThrow("cannot raise the RLIMIT_CORE hard limit to unlimited above the runtime's 0");
  });
});
