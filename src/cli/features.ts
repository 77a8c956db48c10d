import type { Command } from "./table.js";

export const featuresCommand: Command = {
  name: "features",
  positionals: "",
  describe: "print the runtime-spec features document (what skiff supports)",
  flags: [],
  handler: async () => {
    const { features } = await import("../spec/features.js");
    process.stdout.write(JSON.stringify(features(), null, 4) + "\n");
  },
};
