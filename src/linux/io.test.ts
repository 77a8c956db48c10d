import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { writeAll } from "./io.js";

it("writes all of a large text, multi-byte characters included", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-io-"));
  try {
    const file = path.join(dir, "out");
    const fd = fs.openSync(file, "w");
    const text = "é".repeat(300_000) + "\n";
    writeAll(fd, text);
    writeAll(fd, Buffer.from("bytes"));
    fs.closeSync(fd);
    expect(fs.readFileSync(file, "utf8")).toBe(text + "bytes");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
