import * as fs from "node:fs";
import * as path from "node:path";
import type { CommandModule } from "yargs";
import { SkiffError } from "../errors.js";
import type { GlobalOptions } from "./main.js";

export const specCommand: CommandModule<object, GlobalOptions & { bundle: string; rootless: string | undefined }> = {
  command: "spec",
  describe: "write a default config.json into the bundle",
  builder: (y) =>
    y
      .option("bundle", { alias: "b", type: "string", default: ".", describe: "where to write config.json" })
      .option("rootless", { type: "boolean", describe: "a config for rootless containers" }) as never,
  handler: async (a) => {
    const { defaultSpec } = await import("../spec/default-spec.js");
    const file = path.join(a.bundle, "config.json");
    if (fs.existsSync(file)) throw new SkiffError("AlreadyExists", `File ${file} exists. Remove it first`);
    fs.writeFileSync(file, JSON.stringify(defaultSpec({ rootless: Boolean(a.rootless) }), null, "\t") + "\n");
  },
};
