import { createOptionsOf, CREATE_FLAGS } from "./create-options.js";
import type { Command } from "./table.js";

export const runCommand: Command = {
  name: "run",
  positionals: "<id>",
  describe: "create and start a container, wait for it, delete it; exit with its status",
  flags: [
    ...CREATE_FLAGS,
    { name: "detach", alias: "d", type: "boolean", default: false, describe: "return once started" },
    { name: "keep", type: "boolean", default: false, describe: "keep the stopped container (state, cgroups) until `delete`" },
  ],
  handler: async (a) => {
    const { runContainer } = await import("../container/run.js");
    process.exitCode = await runContainer({ ...createOptionsOf(a), detach: a.detach === true, keep: a.keep === true });
  },
};
