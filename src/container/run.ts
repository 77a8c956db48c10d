// `run`: create + start + wait + delete (unless --keep: then the stopped container stays for
// `state` and its cgroups until `delete`), with the container's exit status as our own
// (128+N when it was killed by signal N). The helper stays as the init's parent to report it.
// With process.terminal and no --console-socket, skiff holds the console itself and relays
// between the user's terminal and the container's pty.
import * as path from "../posix-path.js";
import { SkiffError } from "../errors.js";
import { close } from "../linux/libc.js";
import { mark } from "../marks.js";
import { loadConfig } from "../spec/load.js";
import { createContainer, type CreateOptions } from "./create.js";
import { deleteContainer } from "./delete.js";
import { forwardSignals, waitForExit } from "./foreground.js";
import { startContainer } from "./start.js";
import { ownConsoleSocket, receivePtyMaster, relayTerminal, terminalSize, type OwnConsole } from "./tty.js";

export async function runContainer(opts: CreateOptions & { detach?: boolean; keep?: boolean }): Promise<number> {
  if (opts.detach && opts.keep) throw new SkiffError("InvalidArgument", "--keep and --detach cannot be used together");
  const spec = loadConfig(path.resolve(opts.bundle));
  mark("config.json read and validated");
  let own: OwnConsole | undefined;
  let consoleSize: CreateOptions["consoleSize"];
  if (spec.process?.terminal && !opts.consoleSocket) {
    if (opts.detach) throw new SkiffError("InvalidArgument", "run --detach with a terminal needs a --console-socket to send it to");
    own = ownConsoleSocket();
    consoleSize = terminalSize();
  }
  let created;
  try {
    created = await createContainer({ ...opts, spec, consoleFd: own?.peer, consoleSize, mode: opts.detach ? "detach" : "wait" });
  } finally {
    if (own) close(own.peer);
  }
  const { record, helper, channel } = created;
  let master: number | undefined;
  try {
    if (own) master = receivePtyMaster(own.ours);
    await startContainer(opts.store, opts.id);
  } catch (e) {
    await deleteContainer(opts.store, opts.id, true);
    throw e;
  } finally {
    if (own) close(own.ours);
  }
  mark("started");
  if (opts.detach) {
    close(helper.sock);
    return 0;
  }
  // With a relay, window size changes go to the pty (the relay's job), not to the process.
  const stopForwarding = forwardSignals(record.pid);
  try {
    const exited = waitForExit(channel, helper);
    return master === undefined ? await exited : await relayTerminal(master, exited);
  } finally {
    stopForwarding();
    mark("the program ran and exited");
    close(helper.sock);
    if (!opts.keep) await deleteContainer(opts.store, opts.id, true);
    mark("deleted");
  }
}
