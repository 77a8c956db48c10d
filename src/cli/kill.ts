import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";

export const killCommand: Command = {
  name: "kill",
  positionals: "<id> [signal]",
  describe: "send a signal (default SIGTERM; a name like KILL or SIGKILL, or a number) to the container's init",
  flags: [{ name: "all", alias: "a", type: "boolean", default: false, describe: "signal every process in the container" }],
  handler: async (args) => {
    const a = args as unknown as GlobalOptions & { id: string; signal?: string; all: boolean };
    const [{ Container }, { parseSignal }] = await Promise.all([import("../container/container.js"), import("../container/signals.js")]);
    const signal = parseSignal(a.signal); // a bad signal is the error, whether or not the container exists
    await (await Container.open(new StateStore(a.root), a.id)).signal(signal, a.all);
  },
};
