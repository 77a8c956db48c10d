// The Bun platform (the compiled dist/skiff): skiff-init embedded in the executable, started by
// Bun.spawn, libc through Bun's FFI, files, output and hashing through Bun's native APIs.
import { listDirThroughLibc, readTextThroughLibc } from "../linux/io.js";
import { bunApis } from "./apis-bun.js";
import { bunFfi } from "./ffi-bun.js";
import { isAbsent, once, type Platform } from "./index.js";
import { bunSpawn } from "./spawn-bun.js";
// @ts-expect-error: a file import, resolved by Bun's bundler to the embedded file's path
import initPath from "../../native/build/skiff-init" with { type: "file" };

const ffi = once(bunFfi);

export const bunPlatform: Platform = {
  initBinary: () => process.getBuiltinModule("node:fs").readFileSync(initPath as string),
  spawn: bunSpawn,
  ffi,
  ...bunApis,
  // Files are read through libc: the first Bun.file read starts Bun's I/O thread and waits for
  // it, which costs a compiled program more than binding libc does, and libc then reads a file
  // in a few microseconds; a Bun.Glob scan, even of an empty directory, costs more again
  // (docs/architecture.md).
  readText: async (file) => readTextThroughLibc(file),
  async listDir(dir) {
    try {
      return listDirThroughLibc(dir).map((e) => e.name);
    } catch (e) {
      if (isAbsent(e)) return [];
      throw e;
    }
  },
};
