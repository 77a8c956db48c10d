import { describe, expect, it } from "vitest";
import { HOSTS, hostWith } from "../host/fixtures.testing.js";
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

  // Unknown types, duplicates, soft above hard and out-of-range values never get here: the
  // schema and spec/semantic.ts refuse them (semantic.test.ts, load.test.ts).
});

describe("checkRlimitsAgainstHost", () => {
  const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max file size             unlimited            unlimited            bytes
Max data size             unlimited            unlimited            bytes
Max stack size            8388608              unlimited            bytes
Max core file size        0                    unlimited            bytes
Max resident set          unlimited            unlimited            bytes
Max processes             15432                15432                processes
Max open files            1024                 1048576              files
Max locked memory         8388608              8388608              bytes
Max address space         unlimited            unlimited            bytes
Max file locks            unlimited            unlimited            locks
Max pending signals       15432                15432                signals
Max msgqueue size         819200               819200               bytes
Max nice priority         0                    0
Max realtime priority     0                    0
Max realtime timeout      unlimited            unlimited            us
`;
  const SYS_RESOURCE = 1n << 24n;
  // hybrid (the development VM): CAP_SYS_RESOURCE is out of the runtime's sets
  const cannotRaise = HOSTS.hybrid;
  const canRaise = hostWith("hybrid", { capabilities: { ...HOSTS.hybrid.capabilities, effective: HOSTS.hybrid.capabilities.effective | SYS_RESOURCE } });
  const hard = Number(cannotRaise.limits[RLIMITS.RLIMIT_NOFILE][1]);

  it("parses /proc/PID/limits in resource order", () => {
    const current = parseProcLimits(PROC_LIMITS);
    expect(current).toHaveLength(16);
    expect(current[RLIMITS.RLIMIT_NOFILE]).toEqual([1024n, 1048576n]);
    expect(current[RLIMITS.RLIMIT_CPU][1]).toBe(RLIM_INFINITY);
    expect(current[RLIMITS.RLIMIT_RTTIME]).toEqual([RLIM_INFINITY, RLIM_INFINITY]);
  });

  it("refuses a hard limit above the runtime's when it cannot raise hard limits", () => {
    const steps = rlimitPlan([{ type: "RLIMIT_NOFILE", soft: 10, hard: hard + 1 }]);
    expect(() => checkRlimitsAgainstHost(steps, cannotRaise)).toThrowError(
      expect.objectContaining({
        kind: "PermissionDenied",
        message: `process.rlimits: cannot raise the RLIMIT_NOFILE hard limit to ${hard + 1} above the runtime's ${hard}: operation not permitted (it needs CAP_SYS_RESOURCE, which the runtime does not have)`,
      }),
    );
    expect(() => checkRlimitsAgainstHost(steps, canRaise)).not.toThrow();
  });

  it("accepts limits at or below the runtime's own", () => {
    expect(() => checkRlimitsAgainstHost(rlimitPlan([{ type: "RLIMIT_NOFILE", soft: 10, hard }]), cannotRaise)).not.toThrow();
  });

  it("names an unlimited current limit as such", () => {
    const fake = hostWith("v1", { capabilities: cannotRaise.capabilities, limits: cannotRaise.limits.map(() => [0n, 0n] as [bigint, bigint]) });
    const steps = rlimitPlan(JSON.parse('[{"type":"RLIMIT_CORE","soft":0,"hard":18446744073709551615}]'));
    expect(() => checkRlimitsAgainstHost(steps, fake)).toThrow("cannot raise the RLIMIT_CORE hard limit to unlimited above the runtime's 0");
  });
});
