import * as fs from "node:fs";
import { updateContainer } from "../container/update.js";
import { StateStore } from "../container/state-store.js";
import { log } from "../log.js";
import { parseJson, readJsonFile, validateResources } from "../spec/load.js";
import type { LinuxResources } from "../spec/types.js";
import type { Command, GlobalOptions } from "./table.js";
import { rejectRdtFlags, resourcesFromFlags, UPDATE_FLAGS } from "./update-flags.js";

/** --resources FILE or - (stdin): a LinuxResources document, validated like config.json's. */
function resourcesFromFile(file: string): LinuxResources {
  if (file === "-") return validateResources(parseJson(fs.readFileSync(0, "utf8"), "stdin"), "stdin");
  return validateResources(readJsonFile(file), file);
}

export const updateCommand: Command = {
  name: "update",
  positionals: "<id>",
  describe: "update the container's resource limits (memory, cpu, pids, blkio...)",
  flags: UPDATE_FLAGS,
  handler: (args) => {
    const a = args as unknown as GlobalOptions & { id: string; resources?: string };
    rejectRdtFlags(args);
    let changes: LinuxResources;
    if (a.resources) {
      changes = resourcesFromFile(a.resources);
    } else {
      const fromFlags = resourcesFromFlags(args);
      for (const w of fromFlags.warnings) log("warning", w);
      changes = fromFlags.resources;
    }
    updateContainer(new StateStore(a.root), a.id, changes);
  },
};
