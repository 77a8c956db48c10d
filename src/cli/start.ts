import type { CommandModule } from "yargs";
import { startContainer } from "../container/start.js";
import { StateStore } from "../container/state-store.js";
import type { GlobalOptions } from "./main.js";

export const startCommand: CommandModule<object, GlobalOptions & { id: string }> = {
  command: "start <id>",
  describe: "run the user process of a created container",
  builder: (y) => y.positional("id", { type: "string", demandOption: true }) as never,
  handler: (a) => {
    startContainer(new StateStore(a.root), a.id);
  },
};
