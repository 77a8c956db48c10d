// Output and hashing through Bun's native APIs (the compiled dist/skiff): loading node:fs
// or node:crypto costs a compiled Bun program more start-up than a whole `skiff state` should take
// (docs/architecture.md).
import type { Platform } from "./index.js";

export const bunApis: Pick<Platform, "print" | "sha256Hex"> = {
  // console writes natively, whole, at once, and ends quietly on EPIPE.
  print(fd, text) {
    if (text === "") return;
    (fd === 1 ? console.log : console.error)(text.endsWith("\n") ? text.slice(0, -1) : text);
  },
  sha256Hex: (text) => new Bun.CryptoHasher("sha256").update(text).digest("hex"),
};
