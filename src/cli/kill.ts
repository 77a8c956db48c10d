import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";

export const killCommand: Command = {
  name: "kill",
  positionals: "<id> [signal]",
  describe: "send a signal (default SIGTERM; a name like KILL or SIGKILL, or a number) to the container's init",
  flags: [{ name: "all", alias: "a", type: "boolean", default: false, describe: "signal every process in the container" }],
  handler: async (args) => {
    const a = args as unknown as GlobalOptions & { id: string; signal?: string; all: boolean };
    const [{ killContainer }, { parseSignal }] = await Promise.all([import("../container/kill.js"), import("../container/signals.js")]);
    killContainer(new StateStore(a.root), a.id, parseSignal(a.signal), a.all);
  },
};
