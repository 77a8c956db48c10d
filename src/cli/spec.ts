import * as fs from "node:fs";
import * as path from "node:path";
import { SkiffError } from "../errors.js";
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
    const file = path.join(a.bundle, "config.json");
    if (fs.existsSync(file)) throw new SkiffError("AlreadyExists", `File ${file} exists. Remove it first`);
    fs.writeFileSync(file, JSON.stringify(defaultSpec({ rootless: a.rootless }), null, "\t") + "\n");
  },
};
