// Temporary directories a test file made once for all its tests (the busybox rootfs bundles
// copy): removed when the file's tests are done, by the afterAll hook that the vitest setup file
// (src/platform/node-setup.ts) registers. process.on("exit") is not enough: vitest ends its
// worker processes without it.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const dirs: string[] = [];

export function removeWhenFileDone(dir: string): void {
  dirs.push(dir);
}

/**
 * A name in the system's temp dir for a directory made later (mkdirSync, which fails rather than
 * reuse one): an engine object made as its test file loads makes nothing when every test skips.
 */
export function tempDirName(prefix: string): string {
  return path.join(os.tmpdir(), `${prefix}${process.pid}-${randomBytes(4).toString("hex")}`);
}

/**
 * A new directory in the system's temp dir, removed when the file's tests are done. vitest runs no
 * hooks in a file whose tests all skip: make it from a hook or a test, not as the file loads.
 */
export function tempDirForFile(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  removeWhenFileDone(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
