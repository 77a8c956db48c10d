// The Bun platform (the compiled dist/skiff): skiff-init embedded in the executable, started by
// Bun.spawn, libc through bun:ffi, files, output and hashing through Bun's native APIs.
import { readTextThroughLibc } from "../linux/io.js";
import { bunApis } from "./apis-bun.js";
import { bunFfi } from "./ffi-bun.js";
import { once, type Platform } from "./index.js";
import { bunSpawn } from "./spawn-bun.js";
// @ts-expect-error: a file import, resolved by Bun's bundler to the embedded file's path
import initPath from "../../native/build/skiff-init" with { type: "file" };

const ffi = once(bunFfi);
let libcBound = false;

export const bunPlatform: Platform = {
  initBinary: () => process.getBuiltinModule("node:fs").readFileSync(initPath as string),
  spawn: bunSpawn,
  ffi: () => {
    libcBound = true;
    return ffi();
  },
  ...bunApis,
  // Each Bun.file read is a round trip through Bun's I/O thread (~0.1-0.5 ms); once a command
  // has loaded bun:ffi (~0.5 ms, which `state` and `list` never pay), libc reads a file in a
  // few microseconds (docs/architecture.md).
  readText: (file) => (libcBound ? Promise.resolve(readTextThroughLibc(file)) : bunApis.readText(file)),
};
