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
  // has bound libc (which `state` never pays), libc reads a file in a few microseconds
  // (docs/architecture.md).
  readText: (file) => (libcBound ? Promise.resolve(readTextThroughLibc(file)) : bunApis.readText(file)),
  // getdents64 through libc: a Bun.Glob scan, even of an empty directory, costs a compiled
  // program more than binding libc does, and `list` then reads its records through libc too.
  async listDir(dir) {
    libcBound = true;
    ffi();
    try {
      return listDirThroughLibc(dir).map((e) => e.name);
    } catch (e) {
      if (isAbsent(e)) return [];
      throw e;
    }
  },
};
