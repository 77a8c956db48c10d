import type { CommandModule } from "yargs";
import { deleteContainer } from "../container/delete.js";
import { StateStore } from "../container/state-store.js";
import type { GlobalOptions } from "./main.js";

export const deleteCommand: CommandModule<object, GlobalOptions & { id: string; force: boolean }> = {
  command: "delete <id>",
  describe: "delete a stopped container (--force: kill it first)",
  builder: (y) =>
    y.positional("id", { type: "string", demandOption: true }).option("force", { alias: "f", type: "boolean", default: false }) as never,
  handler: (a) => {
    deleteContainer(new StateStore(a.root), a.id, a.force);
  },
};
