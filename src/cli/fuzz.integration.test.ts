// Bad input, fuzzed: configs mutated at random (wrong types, missing fields, huge and deeply
// nested values, unknown ociVersions), odd container ids and bad signals. skiff must always
// answer with a one-line error or a working container: never a stack trace or a hang, and
// nothing left behind. `npm test` runs a bounded number of cases; `npm run fuzz` many more.
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cgroupDirsNamed, makeBundle, Runtime, uniqueId, type Bundle, type Result } from "../testing/harness.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
/** Each case runs skiff up to five times. */
const TIMEOUT_MS = 60_000 + RUNS * 2_000;
const rt = new Runtime();
let valid: Bundle;
beforeAll(() => {
  valid = makeBundle(["true"]);
  rt.trackDir(valid.dir);
});
afterAll(() => rt.cleanup());

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** JSON pointers of every value in a config, except those that would reach outside the test's
 * own sandbox (a cgroup path could name the machine's cgroups). */
function pointers(value: Json, at = ""): string[] {
  if (at === "/linux/cgroupsPath") return [];
  const here = at === "" ? [] : [at];
  if (value === null || typeof value !== "object") return here;
  const keys = Array.isArray(value) ? value.map((_, i) => String(i)) : Object.keys(value);
  return [...here, ...keys.flatMap((k) => pointers((value as Record<string, Json>)[k], `${at}/${k}`))];
}

function mutate(config: Json, pointer: string, replacement: Json | undefined): Json {
  const copy = structuredClone(config) as Record<string, Json>;
  const parts = pointer.split("/").slice(1);
  const last = parts.pop()!;
  let parent: Json = copy;
  for (const p of parts) parent = (parent as Record<string, Json>)[p];
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete (parent as Record<string, Json>)[last];
  } else (parent as Record<string, Json>)[last] = replacement;
  return copy;
}

const deeplyNested = fc.integer({ min: 50, max: 2000 }).map((depth) => {
  let v: Json = "bottom";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
});
const replacement: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constant(undefined), // the field goes missing
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(-1, 0, 2 ** 53, -(2 ** 63), 1e308, "", "/", "..", "../../..", "/proc/self/fd/3"),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => "x".repeat(n)),
  deeplyNested,
);
const ociVersion = fc.oneof(fc.constantFrom("2.0.0", "0.9.0", "1.99.99-rc.1", "", "v1.0.0", "1", "1.0.0\n"), fc.string());

/** Errors are one line; warnings (logfmt records) may come before. */
function expectOneLineAnswer(r: Result): void {
  expect(r.status, "no hang").not.toBeNull();
  expect(r.stderr).not.toMatch(/\n\s+at |TypeError|RangeError|SyntaxError|ReferenceError|Maximum call stack/);
  const lines = r.stderr.split("\n").filter((l) => l !== "" && !/^time="[^"]*" level=warning /.test(l));
  if (r.status !== 0) expect(lines, r.stderr).toHaveLength(1);
}

function expectNothingLeft(id: string): void {
  expect(fs.readdirSync(rt.root)).toEqual([]);
  expect(cgroupDirsNamed(id)).toEqual([]);
}

/** `skiff run` of the bundle with this config: a working container or a one-line refusal, nothing left. */
function runsOrRefuses(config: unknown): void {
  fs.writeFileSync(path.join(valid.dir, "config.json"), JSON.stringify(config));
  const id = uniqueId("fuzz");
  expectOneLineAnswer(rt.skiff(["run", "--bundle", valid.dir, id], { timeoutMs: 20_000 }));
  expectNothingLeft(id);
}

describe(`fuzzed input (${RUNS} cases each)`, () => {
  it("a config mutated at one field runs or is refused in one line, leaving nothing", () => {
    const base = valid.config as unknown as Json; // `true`, no terminal: it ends by itself
    const targets = pointers(base);
    fc.assert(
      fc.property(fc.constantFrom(...targets), replacement, (pointer, value) => {
        const config = mutate(base, pointer, value) as Record<string, unknown>;
        if (pointer.startsWith("/process/args")) (config.process as { args?: unknown }).args ??= ["true"];
        runsOrRefuses(config);
      }),
      { numRuns: RUNS },
    );
    valid.save();
  }, TIMEOUT_MS);

  it("an unknown or odd ociVersion runs (1.x) or is refused in one line", () => {
    fc.assert(
      fc.property(ociVersion, (version) => {
        runsOrRefuses({ ...valid.config, ociVersion: version });
      }),
      { numRuns: RUNS },
    );
    valid.save();
  }, TIMEOUT_MS);

  it("odd ids and bad signals: one-line errors, nothing created outside the state root", () => {
    const oddId = fc.oneof(fc.constantFrom("", "../x", "a/b", "/abs", ".", "..", "x".repeat(1000), "a b", "-rf", "\u00e9", "id\n"), fc.string({ maxLength: 40 }));
    const badSignal = fc.oneof(fc.constantFrom("", "0", "-1", "65", "SIGNOPE", "KILLL", "9x", "1e3"), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(oddId, badSignal, (id, signal) => {
        const target = path.resolve(rt.root, id);
        const outside = !target.startsWith(rt.root + "/") && fs.existsSync(target) ? undefined : target;
        for (const args of [["run", "--bundle", valid.dir, id], ["state", id], ["kill", id, signal], ["delete", id], ["delete", "--force", id]]) {
          const r = rt.skiff(args, { timeoutMs: 20_000 });
          expectOneLineAnswer(r);
        }
        expect(fs.readdirSync(rt.root)).toEqual([]);
        // an id that names a path outside the root (../x) made nothing there
        if (outside && !outside.startsWith(rt.root + "/")) expect(fs.existsSync(outside)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);
});
