// Where errors and warnings go. runc's contract: with --log FILE every record is appended to
// FILE (as JSON lines {"level","msg","time"} with --log-format json); fatal errors are also
// printed to stderr, which is what people at a shell and podman's fallback read.
// The file is opened at the first record: most commands that succeed write none, and the
// read-only ones then never load node:fs (docs/architecture.md).
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
  /** --log FILE */
  path?: string;
  /** its descriptor, once the first record opened it */
  fd?: number;
  format: LogFormat;
  debug: boolean;
}

let sink: Sink = { format: "text", debug: false };

export async function configureLog(opts: { path?: string; format?: LogFormat; debug?: boolean }): Promise<void> {
  sink = { path: opts.path, format: opts.format ?? "text", debug: opts.debug ?? false };
  if (sink.debug) formatMessage ??= (await import("node:util")).format;
  if (!sink.debug && (process.env.DEBUG ?? "").includes("skiff")) {
    debugModule = (await import("debug")).default;
    debugModule.enable(process.env.DEBUG!);
  }
}

export function formatRecord(level: Level, msg: string, format: LogFormat, now = new Date()): string {
  if (format === "json") return JSON.stringify({ level, msg, time: now.toISOString() }) + "\n";
  return `time="${now.toISOString()}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

/**
 * Appends one record to the --log file; false without one. A file that cannot be opened is said
 * once on stderr and dropped, so the record still reaches stderr.
 */
function appendToLogFile(level: Level, msg: string): boolean {
  if (sink.path === undefined) return false;
  const fs = process.getBuiltinModule("node:fs");
  try {
    sink.fd ??= fs.openSync(sink.path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
  } catch (e) {
    print(2, `cannot open log file ${sink.path}: ${(e as Error).message}\n`);
    sink.path = undefined;
    return false;
  }
  fs.writeSync(sink.fd, formatRecord(level, msg, sink.format));
  return true;
}

export function log(level: Level, msg: string): void {
  if (level === "debug" && !sink.debug) return;
  if (!appendToLogFile(level, msg) && level !== "error") print(2, formatRecord(level, msg, sink.format));
}

/** A fatal error: one record in the log (if any) and one plain line on stderr. */
export function logFatal(msg: string): void {
  appendToLogFile("error", msg);
  print(2, msg + "\n");
}
