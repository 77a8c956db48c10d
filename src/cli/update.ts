import { StateStore } from "../container/state-store.js";
import { log } from "../log.js";
import type { LinuxResources } from "../spec/types.js";
import type { Command, GlobalOptions } from "./table.js";
import { rejectRdtFlags, resourcesFromFlags, UPDATE_FLAGS } from "./update-flags.js";

/** --resources FILE or - (stdin): a LinuxResources document, validated like config.json's. */
async function resourcesFromFile(file: string): Promise<LinuxResources> {
  const { parseJson, readJsonFile, validateResources } = await import("../spec/load.js");
  if (file === "-") return validateResources(parseJson(process.getBuiltinModule("node:fs").readFileSync(0, "utf8"), "stdin"), "stdin");
  return validateResources(readJsonFile(file), file);
}

export const updateCommand: Command = {
  name: "update",
  positionals: "<id>",
  describe: "update the container's resource limits (memory, cpu, pids, blkio...)",
  flags: UPDATE_FLAGS,
  handler: async (args) => {
    const a = args as unknown as GlobalOptions & { id: string; resources?: string };
    rejectRdtFlags(args);
    let changes: LinuxResources;
    if (a.resources) {
      changes = await resourcesFromFile(a.resources);
    } else {
      const fromFlags = resourcesFromFlags(args);
      for (const w of fromFlags.warnings) log("warning", w);
      changes = fromFlags.resources;
    }
    const { updateContainer } = await import("../container/update.js");
    await updateContainer(new StateStore(a.root), a.id, changes);
  },
};
