import type { CommandModule } from "yargs";
import { createOptionsOf, withCreateFlags, type CreateFlags } from "./create-options.js";

export const createCommand: CommandModule<object, CreateFlags> = {
  command: "create <id>",
  describe: "create a container: it waits for `start`",
  builder: (y) => withCreateFlags(y) as never,
  handler: async (a) => {
    const { createContainer } = await import("../container/create.js");
    const { helper } = createContainer(createOptionsOf(a));
    // The helper left after forking the init; do not keep the event loop alive for it.
    helper.child.unref();
  },
};
