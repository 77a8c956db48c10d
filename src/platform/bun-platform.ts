// The Bun platform (the compiled dist/skiff): skiff-init embedded in the executable, started by
// Bun.spawn, libc through bun:ffi, files, output and hashing through Bun's native APIs.
import { bunApis } from "./apis-bun.js";
import { bunFfi } from "./ffi-bun.js";
import { once, type Platform } from "./index.js";
import { bunSpawn } from "./spawn-bun.js";
// @ts-expect-error: a file import, resolved by Bun's bundler to the embedded file's path
import initPath from "../../native/build/skiff-init" with { type: "file" };

export const bunPlatform: Platform = {
  initBinary: () => process.getBuiltinModule("node:fs").readFileSync(initPath as string),
  spawn: bunSpawn,
  ffi: once(bunFfi),
  ...bunApis,
};
