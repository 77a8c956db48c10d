// Blocking writes and sleeps for a short-lived CLI: no event loop work waits on them.

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for ms milliseconds. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
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
