// The Bun platform (the compiled dist/skiff): skiff-init embedded in the executable, started by
// Bun.spawn, libc through Bun's FFI, files through libc, output and hashing through Bun's native
// APIs.
import { exists } from "../linux/libc.js";
import { isDirectory, listDirThroughLibc, readTextThroughLibc } from "../linux/io.js";
import { bunApis } from "./apis-bun.js";
import { bunFfi } from "./ffi-bun.js";
import { isAbsent, once, type Platform } from "./index.js";
import { bunSpawn } from "./spawn-bun.js";
// @ts-expect-error: a file import, resolved by Bun's bundler to the embedded file's path
import initPath from "../../native/build/skiff-init" with { type: "file" };

const ffi = once(bunFfi);

export const bunPlatform: Platform = {
  // Read by Bun from the executable itself: node:fs would cost more to load than the read (docs/architecture.md).
  initBinary: () => Bun.file(initPath as string).bytes(),
  spawn: bunSpawn,
  ffi,
  ...bunApis,
  // Files are read and looked up through libc: the first Bun.file read starts Bun's I/O thread
  // and waits for it, and even Bun.file().exists() costs a first use ~0.5 ms; binding libc costs
  // a compiled program less, and libc then answers in a few microseconds; a Bun.Glob scan, even
  // of an empty directory, costs more again (docs/architecture.md).
  readText: async (file) => readTextThroughLibc(file),
  exists: async (file) => exists(file),
  // Symlinks followed, as Node's statSync in node.ts.
  fileExists: async (file) => exists(file) && !isDirectory(file, { followSymlink: true }),
  async listDir(dir) {
    try {
      return listDirThroughLibc(dir).map((e) => e.name);
    } catch (e) {
      if (isAbsent(e)) return [];
      throw e;
    }
  },
};
