import type { Command } from "./table.js";
import { printOut } from "../output.js";

export const featuresCommand: Command = {
  name: "features",
  positionals: "",
  describe: "print the runtime-spec features document (what skiff supports)",
  flags: [],
  handler: async () => {
    const { features } = await import("../spec/features.js");
    printOut(JSON.stringify(features(), null, 4) + "\n");
  },
};
