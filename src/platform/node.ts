// The Node platform: skiff-init from native/build (found by walking up from this file, in a
// checkout or in dist/node), libc through ffi-rs.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { nodeFfi } from "./ffi-node.js";
import { once, type Platform } from "./index.js";

function findInit(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== "/"; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "native", "build", "skiff-init");
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error("native/build/skiff-init not found: run npm run build");
}

export const nodePlatform: Platform = { initBinary: () => fs.readFileSync(findInit()), ffi: once(nodeFfi) };
