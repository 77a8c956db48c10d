// What skiff prints on stdout/stderr, as plain write(2)s. Touching Bun's process.stdout or
// process.stderr builds a stream object on first use, which costs a compiled binary more
// start-up than a whole `skiff state` should take (docs/architecture.md).
import { writeAll } from "./linux/io.js";

/** Prints text on fd; a reader that went away (EPIPE, e.g. `skiff list | head`) ends it quietly. */
export function print(fd: 1 | 2, text: string): void {
  try {
    writeAll(fd, text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPIPE") throw e;
  }
}

export const printOut = (text: string): void => print(1, text);
