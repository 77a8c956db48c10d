import { SkiffError } from "../errors.js";
import { join } from "../posix-path.js";
import type { Command } from "./table.js";

export const specCommand: Command = {
  name: "spec",
  positionals: "",
  describe: "write a default config.json into the bundle",
  flags: [
    { name: "bundle", alias: "b", type: "string", default: ".", describe: "where to write config.json" },
    { name: "rootless", type: "boolean", default: false, describe: "a config for a rootless container (user namespace, no cgroup limits)" },
  ],
  handler: async (args) => {
    const a = args as unknown as { bundle: string; rootless: boolean };
    const { defaultSpec } = await import("../spec/default-spec.js");
    // Fetched here: every command loads this module, and the read-only ones never load node:fs.
    const fs = process.getBuiltinModule("node:fs");
    const file = join(a.bundle, "config.json");
    if (fs.existsSync(file)) throw new SkiffError("AlreadyExists", `File ${file} exists. Remove it first`);
    fs.writeFileSync(file, JSON.stringify(defaultSpec({ rootless: a.rootless }), null, "\t") + "\n");
  },
};
