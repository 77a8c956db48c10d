import type { CommandModule } from "yargs";
import { createOptionsOf, withCreateFlags, type CreateFlags } from "./create-options.js";

interface RunFlags extends CreateFlags {
  detach: boolean;
}

export const runCommand: CommandModule<object, RunFlags> = {
  command: "run <id>",
  describe: "create and start a container, wait for it, delete it; exit with its status",
  builder: (y) => withCreateFlags(y).option("detach", { alias: "d", type: "boolean", default: false, describe: "return once started" }) as never,
  handler: async (a) => {
    const { runContainer } = await import("../container/run.js");
    process.exitCode = await runContainer({ ...createOptionsOf(a), detach: a.detach });
  },
};
