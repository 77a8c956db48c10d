import { createOptionsOf, CREATE_FLAGS } from "./create-options.js";
import type { Command } from "./table.js";

export const createCommand: Command = {
  name: "create",
  positionals: "<id>",
  describe: "create a container: it waits for `start`",
  flags: CREATE_FLAGS,
  handler: async (a) => {
    const { createContainer } = await import("../container/create.js");
    await createContainer(createOptionsOf(a));
  },
};
