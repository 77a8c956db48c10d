import { StateStore } from "../container/state-store.js";
import { SkiffError } from "../errors.js";
import type { Command, GlobalOptions } from "./table.js";

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A Go duration ("5s", "250ms", "1m30s", "1.5h"), as runc's --interval takes it, in ms. */
export function parseDuration(text: string): number {
  if (text === "0") return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m) break;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = part.lastIndex;
  }
  if (text === "" || at !== text.length) throw new SkiffError("InvalidArgument", `invalid value "${text}" for flag --interval: a duration such as 5s or 250ms`);
  return ms;
}

export const eventsCommand: Command = {
  name: "events",
  positionals: "<id>",
  describe: "print the container's stats and OOM events as JSON lines (every --interval), until it stops",
  flags: [
    { name: "interval", type: "string", default: "5s", describe: "stats collection interval (a duration: 5s, 500ms)" },
    { name: "stats", type: "boolean", default: false, describe: "print the stats once and exit" },
  ],
  handler: async (args) => {
    const a = args as unknown as GlobalOptions & { id: string; interval: string; stats: boolean };
    const intervalMs = parseDuration(a.interval);
    if (intervalMs <= 0) throw new SkiffError("InvalidArgument", "duration interval must be greater than 0");
    if (intervalMs > MAX_TIMER_MS) throw new SkiffError("InvalidArgument", `--interval ${a.interval} is longer than the longest timer (about 24 days)`);
    const store = new StateStore(a.root);
    const { statsEvent, streamEvents } = await import("../container/events.js");
    // Written synchronously so a reader that went away ends the stream with an error (EPIPE)
    // instead of lines piling up. (node:fs is fetched here: every command loads this module.)
    const fs = process.getBuiltinModule("node:fs");
    const write = (line: string) => fs.writeSync(1, line + "\n");
    if (a.stats) write(await statsEvent(store, a.id));
    else await streamEvents(store, a.id, intervalMs, write);
  },
};
