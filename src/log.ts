// Where errors and warnings go. runc's contract: with --log FILE every record is appended to
// FILE (as JSON lines {"level","msg","time"} with --log-format json); fatal errors are also
// printed to stderr, which is what people at a shell and podman's fallback read.
import * as fs from "node:fs";
import createDebug from "debug";

export type LogFormat = "text" | "json";
export type Level = "debug" | "info" | "warning" | "error";

export const trace = createDebug("skiff");

interface Sink {
  file?: number;
  format: LogFormat;
  debug: boolean;
}

let sink: Sink = { format: "text", debug: false };

export function configureLog(opts: { path?: string; format?: LogFormat; debug?: boolean }): void {
  let file: number | undefined;
  if (opts.path) file = fs.openSync(opts.path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_CLOEXEC, 0o644);
  sink = { file, format: opts.format ?? "text", debug: opts.debug ?? false };
  if (sink.debug) createDebug.enable("skiff*");
}

export function formatRecord(level: Level, msg: string, format: LogFormat, now = new Date()): string {
  if (format === "json") return JSON.stringify({ level, msg, time: now.toISOString() }) + "\n";
  return `time="${now.toISOString()}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

export function log(level: Level, msg: string): void {
  if (level === "debug" && !sink.debug) return;
  if (sink.file !== undefined) fs.writeSync(sink.file, formatRecord(level, msg, sink.format));
  else if (level !== "error") process.stderr.write(formatRecord(level, msg, "text"));
}

/** A fatal error: one record in the log (if any) and one plain line on stderr. */
export function logFatal(msg: string): void {
  if (sink.file !== undefined) fs.writeSync(sink.file, formatRecord("error", msg, sink.format));
  fs.writeSync(2, msg + "\n");
}
