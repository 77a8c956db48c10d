// `start`: release the init waiting on exec.fifo; it runs the startContainer hooks, reports
// "0" (or "E" and an error) through the FIFO, and execs the program, which closes the FIFO.
// Then the poststart hooks run here.
import { SkiffError, isSkiffError } from "../errors.js";
import { ENOENT } from "../linux/errno.js";
import { readToEnd } from "../linux/io.js";
import { close, fcntl, O_NONBLOCK, O_RDONLY, open, pollIn, unlink } from "../linux/libc.js";
import { mark } from "../marks.js";
import { hookState, runHooks } from "./hooks.js";
import { killAndReap, openProcess } from "./reap.js";
import { Container } from "./container.js";
import { StateStore, type ContainerRecord } from "./state-store.js";

const F_GETFL = 3, F_SETFL = 4;

/** What the init wrote on exec.fifo: "0" then EOF at execve; "E<message>" when it failed. */
export function startOutcome(text: string): { ok: true } | { ok: false; message: string } {
  if (text === "0") return { ok: true };
  const e = text.indexOf("E");
  if (e >= 0) return { ok: false, message: text.slice(e + 1) };
  return { ok: false, message: "cannot start a container that has stopped" };
}

async function readOutcome(store: StateStore, rec: ContainerRecord): Promise<string> {
  const pidfd = await openProcess(rec.pid, rec.initStartTime);
  if (pidfd === undefined) throw new SkiffError("InvalidState", "cannot start a container that has stopped");
  // A non-blocking open never hangs; poll waits for the init's words or for its death.
  const fifo = open(store.fifo(rec.id), O_RDONLY | O_NONBLOCK);
  try {
    const [fifoEvents] = pollIn([fifo, pidfd], -1);
    if (!fifoEvents) return "";
    fcntl(fifo, F_SETFL, fcntl(fifo, F_GETFL, 0) & ~O_NONBLOCK);
    return readToEnd(fifo);
  } finally {
    close(fifo);
    close(pidfd);
  }
}

export async function startContainer(store: StateStore, id: string): Promise<ContainerRecord> {
  const c = await Container.open(store, id);
  const rec = c.record;
  const status = await c.status();
  if (status === "stopped") throw new SkiffError("InvalidState", "cannot start a container that has stopped");
  if (status !== "created") throw new SkiffError("InvalidState", `cannot start an already ${status} container`);
  mark("status");
  const outcome = startOutcome(await readOutcome(store, rec));
  mark("init released, its program exec'd");
  try {
    unlink(store.fifo(id));
  } catch (e) {
    if (!(isSkiffError(e) && e.errno === ENOENT)) throw e;
  }
  if (!outcome.ok) throw new SkiffError("InvalidState", outcome.message);
  try {
    runHooks("poststart", rec.config.hooks?.poststart, hookState(rec, "running"));
  } catch (e) {
    // runtime-spec 1.3: a failing poststart hook fails start, and the container is stopped.
    await killAndReap(rec.pid, rec.initStartTime);
    throw e;
  }
  return rec;
}
