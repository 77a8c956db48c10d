import type { CommandModule } from "yargs";
import { containerState } from "../container/state.js";
import { StateStore } from "../container/state-store.js";
import type { GlobalOptions } from "./main.js";

export const stateCommand: CommandModule<object, GlobalOptions & { id: string }> = {
  command: "state <id>",
  describe: "print the container's state as JSON",
  builder: (y) => y.positional("id", { type: "string", demandOption: true }) as never,
  handler: (a) => {
    process.stdout.write(JSON.stringify(containerState(new StateStore(a.root), a.id), null, 2) + "\n");
  },
};
