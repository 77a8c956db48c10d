import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSkiffError } from "../errors.js";
import { mkdirTracked, writeCgroupFileAsync } from "./files.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-files-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const chain = (...names: string[]) => names.map((_, i) => path.join(dir, ...names.slice(0, i + 1)));

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

// Both ways, on any host: on node:fs's pool (where cgroup moves wait) and in place through libc.
describe.each([true, false])("on the I/O pool: %s", (onPool) => {
  it("makes a chain's missing directories and remembers only those", async () => {
    fs.mkdirSync(path.join(dir, "a"));
    const created: string[] = [];
    await mkdirTracked(chain("a", "b", "c"), created, onPool);
    expect(created).toEqual(chain("a", "b", "c").slice(1));
    expect(fs.statSync(path.join(dir, "a", "b", "c")).isDirectory()).toBe(true);

    const again: string[] = [];
    await mkdirTracked(chain("a", "b", "c"), again, onPool);
    expect(again).toEqual([]);
  });

  it("remembers the directories it made before failing part-way", async () => {
    const dirs = chain("p", "q", "r".repeat(300)); // the last name is longer than NAME_MAX
    const created: string[] = [];
    let error: unknown;
    try {
      await mkdirTracked(dirs, created, onPool);
    } catch (e) {
      error = e;
    }
    expect(isSkiffError(error) && error.errno).toBe(36); // ENAMETOOLONG
    expect((error as Error).message).toContain(dirs[2]);
    expect(created).toEqual(dirs.slice(0, 2));
  });

  it("writes a file, never creating it, and says which step failed", async () => {
    fs.writeFileSync(path.join(dir, "f"), "");
    await writeCgroupFileAsync(dir, "f", "123", "field", onPool);
    expect(fs.readFileSync(path.join(dir, "f"), "utf8")).toBe("123");

    const missing = await failure(writeCgroupFileAsync(dir, "none", "1", "linux.x", onPool));
    expect(missing.message).toBe(`linux.x: opening ${path.join(dir, "none")}: no such file or directory`);
    expect(fs.existsSync(path.join(dir, "none"))).toBe(false);

    // /dev/full opens, and every write to it fails
    const full = await failure(writeCgroupFileAsync("/dev", "full", "1", "linux.y", onPool));
    expect(full.message).toBe('linux.y: writing "1" to /dev/full: no space left on device');
  });
});
