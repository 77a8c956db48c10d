// The conformance runner: RUNTIME=/path/to/runtime bun conformance/run.ts [--only PATTERN]
// [--json PATH] [--keep]. Prints one line per requirement and "N passed, M failed, K skipped";
// exits non-zero iff a MUST failed.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Failure, Skip } from "./assert.js";
import { Runtime, TestContext, type ConformanceTest, type SuiteConfig } from "./harness.js";
import { readHostFacts } from "./host.js";
import { exitCode, parseRunnerArgs, resultLines, selectTests, summarize, summaryLine, type TestResult } from "./results.js";
import { allTests } from "./tests/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.dirname(here);
const buildDir = path.join(here, "build");
const probe = path.join(buildDir, "probe");

/** Builds the probe (and installs busybox-static) when the build is missing or stale. */
function ensureSetUp(): void {
  const source = path.join(here, "probe.c");
  if (fs.existsSync(probe) && fs.statSync(probe).mtimeMs >= fs.statSync(source).mtimeMs) return;
  const r = spawnSync("sh", [path.join(here, "setup.sh")], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("conformance/setup.sh failed");
}

async function runOne(test: ConformanceTest, suite: SuiteConfig): Promise<TestResult> {
  const started = Date.now();
  const t = new TestContext(suite, test.id);
  let status: TestResult["status"] = "ok";
  let reason: string | undefined;
  try {
    await test.run(t);
  } catch (err) {
    if (err instanceof Skip) {
      status = "skip";
    } else {
      status = "FAIL";
    }
    // Anything but a Failure or Skip is a defect in the test or the harness: say so.
    reason = err instanceof Failure || err instanceof Skip ? err.message : `harness error: ${(err as Error).stack ?? String(err)}`;
  }
  const problems = await t.cleanup();
  if (problems.length > 0) reason = [reason, ...problems.map((p) => `cleanup: ${p}`)].filter((x) => x !== undefined).join("\n");
  return { id: test.id, clause: test.clause, status, reason, durationMs: Date.now() - started };
}

/** `--root RUNTIME_ROOT` and the whitespace-separated RUNTIME_ARGS (e.g. crun's --cgroup-manager=disabled). */
function globalArgs(env: NodeJS.ProcessEnv): string[] {
  const root = env.RUNTIME_ROOT === undefined ? [] : ["--root", env.RUNTIME_ROOT];
  const extra = (env.RUNTIME_ARGS ?? "").split(/\s+/).filter((a) => a !== "");
  return [...root, ...extra];
}

async function main(): Promise<number> {
  const options = parseRunnerArgs(process.argv.slice(2), path.join(buildDir, "report.json"));
  if (process.getuid?.() !== 0) throw new Error("the conformance suite needs root");
  const binary = path.resolve(repoRoot, process.env.RUNTIME ?? "dist/skiff");
  if (!fs.existsSync(binary)) throw new Error(`runtime not found: ${binary} (set RUNTIME=/path/to/runtime)`);
  ensureSetUp();
  const busybox = "/bin/busybox";
  const suite: SuiteConfig = {
    runtime: new Runtime(binary, globalArgs(process.env)),
    busybox,
    probe,
    tmpdir: process.env.TMPDIR ?? "/tmp",
    ociVersion: process.env.OCI_VERSION ?? "1.0.2",
    keep: options.keep,
    host: readHostFacts(),
    runPrefix: `oc${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`,
  };
  const tests = selectTests(allTests, options.only);
  console.log(`# runtime ${[binary, ...suite.runtime.globalArgs].join(" ")}, ociVersion ${suite.ociVersion}, ${tests.length} tests`);
  // Ctrl-C stops after the current test, whose cleanup still runs, and reports what ran.
  let interrupted = false;
  process.on("SIGINT", () => {
    interrupted = true;
    console.log("# interrupted: finishing the current test and its cleanup");
  });
  const results: TestResult[] = [];
  for (const test of tests) {
    if (interrupted) break;
    const result = await runOne(test, suite);
    results.push(result);
    for (const line of resultLines(result)) console.log(line);
  }
  const summary = summarize(results);
  fs.mkdirSync(path.dirname(options.jsonPath), { recursive: true });
  fs.writeFileSync(
    options.jsonPath,
    JSON.stringify({ runtime: binary, ociVersion: suite.ociVersion, kernel: os.release(), date: new Date().toISOString(), summary, results }, null, 2),
  );
  console.log(summaryLine(summary));
  return interrupted ? 130 : exitCode(summary);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`conformance: ${(err as Error).message}`);
    process.exit(2);
  },
);
