import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { isSkiffError } from "../errors.js";
import { mkdirTracked } from "./files.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-files-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const chain = (...names: string[]) => names.map((_, i) => path.join(dir, ...names.slice(0, i + 1)));

it("makes a chain's missing directories and remembers only those", async () => {
  fs.mkdirSync(path.join(dir, "a"));
  const created: string[] = [];
  await mkdirTracked(chain("a", "b", "c"), created);
  expect(created).toEqual(chain("a", "b", "c").slice(1));
  expect(fs.statSync(path.join(dir, "a", "b", "c")).isDirectory()).toBe(true);

  const again: string[] = [];
  await mkdirTracked(chain("a", "b", "c"), again);
  expect(again).toEqual([]);
});

it("remembers the directories it made before failing part-way", async () => {
  const dirs = chain("p", "q", "r".repeat(300)); // the last name is longer than NAME_MAX
  const created: string[] = [];
  let error: unknown;
  try {
    await mkdirTracked(dirs, created);
  } catch (e) {
    error = e;
  }
  expect(isSkiffError(error) && error.errno).toBe(36); // ENAMETOOLONG
  expect((error as Error).message).toContain(dirs[2]);
  expect(created).toEqual(dirs.slice(0, 2));
});
