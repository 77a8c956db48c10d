import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { nodePlatform } from "./node.js";

it("fileExists: true for a file, false for a directory, a missing path or one through a file", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-platform-"));
  try {
    const file = path.join(dir, "state.json");
    fs.writeFileSync(file, "{}");
    expect(await nodePlatform.fileExists(file)).toBe(true);
    expect(await nodePlatform.fileExists(dir)).toBe(false);
    expect(await nodePlatform.fileExists(path.join(dir, "none"))).toBe(false);
    expect(await nodePlatform.fileExists(path.join(file, "below"))).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
