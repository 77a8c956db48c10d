import type { CommandModule } from "yargs";
import type { GlobalOptions } from "./main.js";

export const featuresCommand: CommandModule<object, GlobalOptions> = {
  command: "features",
  describe: "print the runtime-spec features document (what skiff supports)",
  handler: async () => {
    const { features } = await import("../spec/features.js");
    process.stdout.write(JSON.stringify(features(), null, 4) + "\n");
  },
};
