// Where errors and warnings go. runc's contract: with --log FILE every record is appended to
// FILE (as JSON lines {"level","msg","time"} with --log-format json); fatal errors are also
// printed to stderr, which is what people at a shell and podman's fallback read.
import * as fs from "node:fs";
import type createDebug from "debug";
import { print } from "./output.js";

export type LogFormat = "text" | "json";
export type Level = "debug" | "info" | "warning" | "error";

type Tracer = ((format: string, ...args: unknown[]) => void) & { extend(namespace: string): Tracer };

// --debug turns every trace into a `debug` record of the log, in the --log-format in force (what
// runc's callers read). DEBUG=skiff:* instead prints them through the `debug` package, which
// is slow for Bun to load (docs/architecture.md) and so is loaded only then; otherwise a tracer
// is a no-op.
let debugModule: typeof createDebug | undefined;
// node:util is costly for Bun to load (docs/architecture.md): only --debug formats.
let formatMessage: ((format: string, ...args: unknown[]) => string) | undefined;

function tracer(namespace: string): Tracer {
  let d: createDebug.Debugger | undefined;
  const t = (format: string, ...args: unknown[]) => {
    if (sink.debug && formatMessage) log("debug", formatMessage(format, ...args));
    else if (debugModule) (d ??= debugModule(namespace))(format, ...args);
  };
  return Object.assign(t, { extend: (sub: string) => tracer(`${namespace}:${sub}`) });
}

/** DEBUG=skiff:* style tracing of each step. */
export const trace = tracer("skiff");

interface Sink {
  file?: number;
  format: LogFormat;
  debug: boolean;
}

let sink: Sink = { format: "text", debug: false };

export async function configureLog(opts: { path?: string; format?: LogFormat; debug?: boolean }): Promise<void> {
  let file: number | undefined;
  if (opts.path) file = fs.openSync(opts.path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
  sink = { file, format: opts.format ?? "text", debug: opts.debug ?? false };
  if (sink.debug) formatMessage ??= (await import("node:util")).format;
  if (!sink.debug && /skiff/.test(process.env.DEBUG ?? "")) {
    debugModule = (await import("debug")).default;
    debugModule.enable(process.env.DEBUG!);
  }
}

export function formatRecord(level: Level, msg: string, format: LogFormat, now = new Date()): string {
  if (format === "json") return JSON.stringify({ level, msg, time: now.toISOString() }) + "\n";
  return `time="${now.toISOString()}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

export function log(level: Level, msg: string): void {
  if (level === "debug" && !sink.debug) return;
  if (sink.file !== undefined) fs.writeSync(sink.file, formatRecord(level, msg, sink.format));
  else if (level !== "error") print(2, formatRecord(level, msg, sink.format));
}

/** A fatal error: one record in the log (if any) and one plain line on stderr. */
export function logFatal(msg: string): void {
  if (sink.file !== undefined) fs.writeSync(sink.file, formatRecord("error", msg, sink.format));
  print(2, msg + "\n");
}
