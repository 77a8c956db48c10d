import { startContainer } from "../container/start.js";
import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";

export const startCommand: Command = {
  name: "start",
  positionals: "<id>",
  describe: "run the user process of a created container",
  flags: [],
  handler: (args) => {
    const a = args as unknown as GlobalOptions & { id: string };
    startContainer(new StateStore(a.root), a.id);
  },
};
