// What a conformance test is judged against and how its outcome is reported: pure functions,
// shared by the runner and the unit tests.

/** RFC 2119 level of the sentence a test checks. Only MUST failures fail the suite. */
export type Level = "MUST" | "SHOULD";

/** The spec sentence a test checks: document, section, and the requirement in our own words. */
export interface Clause {
  doc: "runtime.md" | "config.md" | "config-linux.md";
  section: string;
  level: Level;
  text: string;
}

export type Status = "ok" | "FAIL" | "skip";

export interface TestResult {
  id: string;
  clause: Clause;
  status: Status;
  /** Why it failed or was skipped. */
  reason?: string;
  durationMs: number;
}

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  mustFailed: number;
}

export function summarize(results: readonly TestResult[]): Summary {
  const count = (status: Status): number => results.filter((r) => r.status === status).length;
  return {
    passed: count("ok"),
    failed: count("FAIL"),
    skipped: count("skip"),
    mustFailed: results.filter((r) => r.status === "FAIL" && r.clause.level === "MUST").length,
  };
}

/** The closing line; its exact form is part of the suite's interface. */
export function summaryLine(summary: Summary): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`;
}

/** One line per requirement, then the reason (indented) for failures and skips. */
export function resultLines(result: TestResult): string[] {
  const { clause } = result;
  const head = `${result.status.padEnd(4)} ${result.id} ${clause.level} ${clause.doc} "${clause.section}": ${clause.text}`;
  if (result.reason === undefined) return [head];
  return [head, ...result.reason.split("\n").map((line) => `     # ${line}`)];
}

/** The suite fails only when a MUST fails; SHOULD failures are reported, not fatal. */
export function exitCode(summary: Summary): number {
  return summary.mustFailed > 0 ? 1 : 0;
}

/** --only PATTERN: a test runs when its id contains the pattern or matches it as a regex. */
export function selectTests<T extends { id: string }>(tests: readonly T[], pattern: string | undefined): T[] {
  if (pattern === undefined) return [...tests];
  let regex: RegExp | undefined;
  try {
    regex = new RegExp(pattern);
  } catch {
    regex = undefined;
  }
  return tests.filter((t) => t.id.includes(pattern) || (regex?.test(t.id) ?? false));
}

export interface RunnerOptions {
  only?: string;
  jsonPath: string;
  keep: boolean;
}

/** Parses the runner's command line; throws on anything it does not know. */
export function parseRunnerArgs(argv: readonly string[], defaultJsonPath: string): RunnerOptions {
  const options: RunnerOptions = { jsonPath: defaultJsonPath, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === "--only") options.only = value();
    else if (arg.startsWith("--only=")) options.only = arg.slice("--only=".length);
    else if (arg === "--json") options.jsonPath = value();
    else if (arg.startsWith("--json=")) options.jsonPath = arg.slice("--json=".length);
    else if (arg === "--keep") options.keep = true;
    else throw new Error(`unknown argument: ${arg} (use --only PATTERN, --json PATH, --keep)`);
  }
  return options;
}
