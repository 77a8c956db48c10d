// Under load nothing accumulates: many containers started at once, then many run/delete cycles
// one after another, leave no mounts, cgroups, state entries or processes behind. `npm test`
// runs a short soak; `npm run soak` the long one (SOAK_CYCLES, SOAK_PARALLEL).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cgroupDirsMatching, cgroupDirsNamed, makeBundle, Runtime, SKIFF, type Bundle } from "../testing/harness.js";

const CYCLES = Number(process.env.SOAK_CYCLES ?? 25);
const PARALLEL = Number(process.env.SOAK_PARALLEL ?? 10);
const TIMEOUT_MS = 60_000 + (CYCLES + PARALLEL) * 1_000;

const rt = new Runtime();
const prefix = `soak-${process.pid}`;
let bundle: Bundle;
beforeAll(() => {
  bundle = makeBundle(["sleep", "300"]);
  rt.trackDir(bundle.dir);
});
afterAll(() => rt.cleanup());

/** What a container could leave behind, counted for this soak's containers only. */
function leftovers(): { mounts: number; cgroups: number; states: number } {
  const mountinfo = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n");
  return {
    mounts: mountinfo.filter((l) => l.includes(bundle.dir) || l.includes(prefix) || l.includes(rt.root)).length,
    cgroups: cgroupDirsMatching((name) => name.startsWith(prefix)).length,
    states: fs.readdirSync(rt.root).length,
  };
}

function skiffExit(args: string[]): Promise<number | null> {
  return new Promise((resolve) => spawn(SKIFF, ["--root", rt.root, ...args], { stdio: "ignore" }).on("exit", resolve));
}

describe(`soak: ${PARALLEL} at once, ${CYCLES} run/delete cycles`, () => {
  it(`${PARALLEL} containers started at once, then deleted: nothing accumulates`, async () => {
    const before = leftovers();
    const ids = Array.from({ length: PARALLEL }, (_, i) => rt.track(`${prefix}-p${i}`));
    expect(await Promise.all(ids.map((id) => skiffExit(["run", "--detach", "--bundle", bundle.dir, id])))).toEqual(ids.map(() => 0));
    for (const id of ids) expect(rt.state(id).status).toBe("running");
    expect(await Promise.all(ids.map((id) => skiffExit(["delete", "--force", id])))).toEqual(ids.map(() => 0));
    expect(leftovers()).toEqual(before);
  }, TIMEOUT_MS);

  it(`${CYCLES} sequential run/delete cycles: nothing accumulates`, () => {
    const before = leftovers();
    const quick = makeBundle(["true"]);
    rt.trackDir(quick.dir);
    for (let i = 0; i < CYCLES; i++) {
      const id = `${prefix}-s${i}`;
      const r = rt.skiff(["run", "--bundle", quick.dir, id]);
      if (r.status !== 0) throw new Error(`cycle ${i}: ${r.stderr}`);
    }
    expect(leftovers()).toEqual(before);
    expect(cgroupDirsNamed(`${prefix}-s0`)).toEqual([]);
  }, TIMEOUT_MS);
});
