// `events ID`: runc's JSON event lines. `--stats` prints one snapshot; otherwise a stats line
// every interval and an "oom" line whenever the memory cgroup's OOM-kill count rises, until the
// container's init is gone. Polling is fine here: events is a long-lived observer, not a hot path.
import { eventJson, type CgroupManager } from "../cgroups/index.js";
import { log } from "../log.js";
import { Container } from "./container.js";
import { isSameLiveProcess } from "./proc.js";
import type { StateStore } from "./state-store.js";

/** How often the stream looks for OOM kills and for the init's exit. */
const WATCH_INTERVAL_MS = 100;

async function liveContainer(store: StateStore, id: string): Promise<{ rec: Container["record"]; cgroups: CgroupManager }> {
  const c = await Container.open(store, id);
  await c.live(`container with id ${id} is not running`);
  return { rec: c.record, cgroups: await c.cgroups() };
}

/** The one line of `events --stats`: {"type":"stats","id":...,"data":{...}}. */
export async function statsEvent(store: StateStore, id: string): Promise<string> {
  return eventJson("stats", id, (await liveContainer(store, id)).cgroups.stats());
}

/** Streams event lines to `write` until the init exits; rejects if `write` throws. */
export async function streamEvents(store: StateStore, id: string, intervalMs: number, write: (line: string) => void): Promise<void> {
  const { rec, cgroups } = await liveContainer(store, id);
  let oomKills = cgroups.oomKills();
  return new Promise((resolve, reject) => {
    const finish = (error?: unknown) => {
      clearInterval(watcher);
      clearInterval(ticker);
      if (error === undefined) resolve();
      else reject(error);
    };
    const watcher = setInterval(async () => {
      try {
        // OOM first: an init killed by the OOM killer still gets its event.
        const now = cgroups.oomKills();
        if (now > oomKills) write(eventJson("oom", id));
        oomKills = now;
        if (!(await isSameLiveProcess(rec.pid, rec.initStartTime))) finish();
      } catch (e) {
        finish(e);
      }
    }, WATCH_INTERVAL_MS);
    const ticker = setInterval(() => {
      let line: string;
      try {
        line = eventJson("stats", id, cgroups.stats());
      } catch (e) {
        // runc logs a failed collection and carries on; the watcher ends the stream if the
        // container is gone.
        log("warning", `collecting stats of ${id}: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      try {
        write(line);
      } catch (e) {
        finish(e);
      }
    }, intervalMs);
  });
}
