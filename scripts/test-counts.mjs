// Sums test reports into one line "LABEL: N passed, N failed, N skipped" (scripts/test.sh and
// scripts/guest/test-v2.sh). Each argument is a vitest JSON report or a conformance JSON report
// (conformance/run.ts --json); a report that is missing or unreadable counts as one failure, so
// a suite that never ran cannot pass, and so does a test file that failed outside its tests.
//   node scripts/test-counts.mjs LABEL REPORT...
import * as fs from "node:fs";

const [label, ...reports] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of reports) {
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    if (r.summary !== undefined) {
      passed += r.summary.passed;
      failed += r.summary.failed;
      skipped += r.summary.skipped;
    } else {
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests + r.numTodoTests;
      // A file can fail with every test in it passed (a beforeAll/afterAll error, a file that
      // does not load): each such file counts as one failure, or the line would say 0 failed.
      for (const result of r.testResults ?? []) {
        if (result.status === "failed" && !(result.assertionResults ?? []).some((t) => t.status === "failed")) {
          failed += 1;
          console.error(`${label}: ${result.name}: ${(result.message ?? "").split("\n")[0]}`);
        }
      }
    }
  } catch (e) {
    failed += 1;
    console.error(`${label}: report missing or unreadable: ${e.message}`);
  }
}
console.log(`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
