import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";

export const deleteCommand: Command = {
  name: "delete",
  positionals: "<id>",
  describe: "delete a stopped container (--force: kill it first)",
  flags: [{ name: "force", alias: "f", type: "boolean", default: false, describe: "kill a created or running container first" }],
  handler: async (args) => {
    const a = args as unknown as GlobalOptions & { id: string; force: boolean };
    const { deleteContainer } = await import("../container/delete.js");
    await deleteContainer(new StateStore(a.root), a.id, a.force);
  },
};
