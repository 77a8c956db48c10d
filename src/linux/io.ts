// Blocking reads, writes and sleeps for a short-lived CLI: no event loop work waits on them.
import { isAbsent } from "../platform/index.js";
import { close, O_RDONLY, open, read } from "./libc.js";

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for ms milliseconds. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * A file's whole text read through libc, or undefined when there is no such file. The compiled
 * dist/skiff reads so: each Bun.file read is an asynchronous round trip through Bun's I/O
 * thread, ten times the cost of these few calls once bun:ffi is loaded (docs/architecture.md).
 */
export function readTextThroughLibc(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = open(path, O_RDONLY);
    const chunks: Buffer[] = [];
    const buf = Buffer.allocUnsafe(65536);
    for (let n; (n = read(fd, buf)) > 0; ) chunks.push(Buffer.from(buf.subarray(0, n)));
    return Buffer.concat(chunks).toString();
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw e;
  } finally {
    if (fd !== undefined) close(fd);
  }
}

/** Writes all of data to fd, through short writes and, on a non-blocking fd, EAGAIN. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  // Fetched here: modules the read-only commands load import this one (docs/architecture.md).
  const fs = process.getBuiltinModule("node:fs");
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      sleepSync(1); // full: wait for the reader
    }
  }
}
