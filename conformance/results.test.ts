import { describe, expect, it } from "vitest";
import { exitCode, parseRunnerArgs, resultLines, selectTests, summarize, summaryLine, type Clause, type TestResult } from "./results.js";

const must: Clause = { doc: "runtime.md", section: "Kill", level: "MUST", text: "kill sends the signal" };
const should: Clause = { ...must, level: "SHOULD" };

const result = (id: string, status: TestResult["status"], clause: Clause = must, reason?: string): TestResult => ({
  id,
  clause,
  status,
  reason,
  durationMs: 1,
});

describe("summary", () => {
  it("counts outcomes and prints the closing line in its fixed form", () => {
    const summary = summarize([result("a", "ok"), result("b", "FAIL", should), result("c", "skip"), result("d", "ok")]);
    expect(summary).toEqual({ passed: 2, failed: 1, skipped: 1, mustFailed: 0 });
    expect(summaryLine(summary)).toBe("2 passed, 1 failed, 1 skipped");
  });

  it("fails the suite only when a MUST fails", () => {
    expect(exitCode(summarize([result("a", "FAIL", should), result("b", "skip")]))).toBe(0);
    expect(exitCode(summarize([result("a", "ok"), result("b", "FAIL", must)]))).toBe(1);
  });
});

describe("resultLines", () => {
  it("prints status, id, level and clause on one line", () => {
    expect(resultLines(result("lifecycle.kill", "ok"))).toEqual(['ok   lifecycle.kill MUST runtime.md "Kill": kill sends the signal']);
  });

  it("indents each line of the reason under the result", () => {
    expect(resultLines(result("x", "FAIL", must, "first\nsecond"))).toEqual([
      'FAIL x MUST runtime.md "Kill": kill sends the signal',
      "     # first",
      "     # second",
    ]);
  });
});

describe("selectTests", () => {
  const tests = [{ id: "lifecycle.kill" }, { id: "hooks.order" }, { id: "process.user" }];

  it("keeps everything without a pattern", () => {
    expect(selectTests(tests, undefined)).toHaveLength(3);
  });

  it("matches by substring or by regular expression", () => {
    expect(selectTests(tests, "hooks").map((t) => t.id)).toEqual(["hooks.order"]);
    expect(selectTests(tests, "^(lifecycle|process)\\.").map((t) => t.id)).toEqual(["lifecycle.kill", "process.user"]);
  });

  it("treats an invalid regular expression as a plain substring", () => {
    expect(selectTests([{ id: "a(b" }, { id: "ab" }], "a(").map((t) => t.id)).toEqual(["a(b"]);
  });
});

describe("parseRunnerArgs", () => {
  it("reads --only, --json and --keep in both spellings", () => {
    expect(parseRunnerArgs(["--only", "hooks", "--json=/tmp/r.json", "--keep"], "/d.json")).toEqual({
      only: "hooks",
      jsonPath: "/tmp/r.json",
      keep: true,
    });
    expect(parseRunnerArgs([], "/d.json")).toEqual({ jsonPath: "/d.json", keep: false });
  });

  it("rejects unknown arguments and missing values", () => {
    expect(() => parseRunnerArgs(["--fast"], "/d.json")).toThrow(/unknown argument/);
    expect(() => parseRunnerArgs(["--only"], "/d.json")).toThrow(/needs a value/);
  });
});
