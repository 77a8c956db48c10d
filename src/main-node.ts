// Node entry (the documented fallback: `node dist/node/src/main-node.js`). skiff-init is read
// from native/build, found by walking up from this file.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "./cli/main.js";
import { setPlatform } from "./platform/index.js";

function findInit(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== "/"; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "native", "build", "skiff-init");
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error("native/build/skiff-init not found: run npm run build");
}

setPlatform({ initBinary: () => fs.readFileSync(findInit()) });
process.exitCode = await main(process.argv.slice(2));
