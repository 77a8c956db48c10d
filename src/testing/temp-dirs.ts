// Temporary directories a test file made once for all its tests (the busybox rootfs bundles
// copy): removed when the file's tests are done, by the afterAll hook that the vitest setup file
// (src/platform/node-setup.ts) registers. process.on("exit") is not enough: vitest ends its
// worker processes without it.
import * as fs from "node:fs";

const dirs: string[] = [];

export function removeWhenFileDone(dir: string): void {
  dirs.push(dir);
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
