#!/usr/bin/env bash
# npm test: the whole suite on a fresh machine of this kind. Installs the Debian packages it
# needs, builds dist/skiff, runs the unit and integration tests (vitest, as root, real
# containers) and the OCI conformance suite against dist/skiff, then prints one total line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1
npm run -s build || exit 1

report=$(mktemp -d /tmp/skiff-test-report.XXXXXX)
trap 'rm -rf "$report"' EXIT
npx vitest run --reporter=default --reporter=json --outputFile.json="$report/vitest.json"
vitest_rc=$?
RUNTIME=dist/skiff npx bun conformance/run.ts --json "$report/conformance.json"
conformance_rc=$?

node -e '
const fs = require("fs");
const v = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
let passed = v.numPassedTests, failed = v.numFailedTests, skipped = v.numPendingTests + v.numTodoTests;
try {
  const c = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  passed += c.summary.passed; failed += c.summary.failed; skipped += c.summary.skipped;
} catch (e) { failed += 1; console.error("conformance report missing: " + e.message); }
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$report/vitest.json" "$report/conformance.json"
[ "$vitest_rc" -eq 0 ] && [ "$conformance_rc" -eq 0 ]
