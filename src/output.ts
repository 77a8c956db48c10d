// Plain writes to stdout/stderr. Touching Bun's process.stdout/process.stderr builds a stream
// object on first use, measured at ~15 ms of a compiled binary's start-up (more than a whole
// `skiff state` should take); a loop of write(2) costs nothing extra.
import * as fs from "node:fs";

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of text to fd; a reader that went away (EPIPE) ends the write quietly. */
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPIPE") return;
      if (code !== "EAGAIN") throw e;
      Atomics.wait(pause, 0, 0, 1); // a non-blocking fd that is full: wait for the reader
    }
  }
}

export const printOut = (text: string): void => writeAll(1, text);
