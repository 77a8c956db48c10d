// `run`: create + start + wait + delete, with the container's exit status as our own
// (128+N when it was killed by signal N). The helper stays as the init's parent to report it.
import * as fs from "node:fs";
import { trace } from "../log.js";
import { readMessageAsync } from "../native.js";
import { Msg } from "../plan/protocol.js";
import { createContainer, type CreateOptions } from "./create.js";
import { deleteContainer } from "./delete.js";
import { startContainer } from "./start.js";

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"];

export function exitCodeOf(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}

export async function runContainer(opts: CreateOptions & { detach?: boolean }): Promise<number> {
  const { record, helper } = await createContainer({ ...opts, mode: opts.detach ? "detach" : "wait" });
  try {
    startContainer(opts.store, opts.id);
  } catch (e) {
    deleteContainer(opts.store, opts.id, true);
    throw e;
  }
  if (opts.detach) {
    fs.closeSync(helper.sock);
    return 0;
  }
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(record.pid, sig);
    } catch {
      // already gone
    }
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    for (;;) {
      const msg = await readMessageAsync(helper.sock);
      if (!msg) return 255;
      if (msg.type === Msg.EXIT) {
        trace("init exited with wait status %d", msg.a);
        return exitCodeOf(msg.a);
      }
    }
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
    fs.closeSync(helper.sock);
    deleteContainer(opts.store, opts.id, true);
  }
}
