import type { CommandModule } from "yargs";
import { killContainer } from "../container/kill.js";
import { parseSignal } from "../container/signals.js";
import { StateStore } from "../container/state-store.js";
import type { GlobalOptions } from "./main.js";

export const killCommand: CommandModule<object, GlobalOptions & { id: string; signal?: string; all: boolean }> = {
  command: "kill <id> [signal]",
  describe: "send a signal (default SIGTERM) to the container's init",
  builder: (y) =>
    y
      .positional("id", { type: "string", demandOption: true })
      .positional("signal", { type: "string", describe: "name (KILL, SIGKILL) or number" })
      .option("all", { alias: "a", type: "boolean", default: false, describe: "signal every process in the container" }) as never,
  handler: (a) => {
    killContainer(new StateStore(a.root), a.id, parseSignal(a.signal), a.all);
  },
};
