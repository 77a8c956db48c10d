// Files, output and hashing through Bun's native APIs (the compiled dist/skiff): loading node:fs
// or node:crypto costs a compiled Bun program more start-up than a whole `skiff state` should take
// (docs/architecture.md).
import { isAbsent, type Platform } from "./index.js";

export const bunApis: Pick<Platform, "exists" | "fileExists" | "print" | "sha256Hex"> = {
  // Bun.file().exists() answers for files (a FIFO too) without a stat on Bun's I/O thread, but
  // says false of a directory: that one takes the stat.
  async exists(file) {
    if (await Bun.file(file).exists()) return true;
    try {
      await Bun.file(file).stat();
      return true;
    } catch (e) {
      if (isAbsent(e)) return false;
      throw e;
    }
  },
  fileExists: (file) => Bun.file(file).exists(),
  // console writes natively, whole, at once, and ends quietly on EPIPE.
  print(fd, text) {
    if (text === "") return;
    (fd === 1 ? console.log : console.error)(text.endsWith("\n") ? text.slice(0, -1) : text);
  },
  sha256Hex: (text) => new Bun.CryptoHasher("sha256").update(text).digest("hex"),
};
