// The Node platform: skiff-init from native/build (found by walking up from this file, in a
// checkout or in dist/node), started by child_process, libc through ffi-rs.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { SkiffError } from "../errors.js";
import { writeAll } from "../linux/io.js";
import { nodeFfi } from "./ffi-node.js";
import { isAbsent, once, type Platform, type Spawn } from "./index.js";

function findInit(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== "/"; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "native", "build", "skiff-init");
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error("native/build/skiff-init not found: run npm run build");
}

const nodeSpawn: Spawn = (file, args, { argv0, stdio }) => {
  const child = spawn(file, args, { argv0, stdio, env: {} });
  if (child.pid === undefined) throw new SkiffError("Internal", `cannot start ${argv0}`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { pid: child.pid, exited, kill: (signal) => child.kill(signal) };
};

export const nodePlatform: Platform = {
  initBinary: async () => fs.readFileSync(findInit()),
  spawn: nodeSpawn,
  ffi: once(nodeFfi),
  async readText(file) {
    try {
      return await fs.promises.readFile(file, "utf8");
    } catch (e) {
      if (isAbsent(e)) return undefined;
      throw e;
    }
  },
  exists: async (file) => fs.existsSync(file),
  fileExists: async (file) => {
    try {
      return !fs.statSync(file).isDirectory();
    } catch {
      return false; // as the Bun platform's: a path through a non-directory too
    }
  },
  async listDir(dir) {
    try {
      return await fs.promises.readdir(dir);
    } catch (e) {
      if (isAbsent(e)) return [];
      throw e;
    }
  },
  print(fd, text) {
    if (text === "") return;
    try {
      writeAll(fd, text.endsWith("\n") ? text : text + "\n");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EPIPE") throw e;
    }
  },
  sha256Hex: (text) => createHash("sha256").update(text).digest("hex"),
};
