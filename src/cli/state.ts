import { containerState } from "../container/state.js";
import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";

export const stateCommand: Command = {
  name: "state",
  positionals: "<id>",
  describe: "print the container's state as JSON",
  flags: [],
  handler: (args) => {
    const a = args as unknown as GlobalOptions & { id: string };
    process.stdout.write(JSON.stringify(containerState(new StateStore(a.root), a.id), null, 2) + "\n");
  },
};
