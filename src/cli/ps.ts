import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";
import { printOut } from "../output.js";

export const psCommand: Command = {
  name: "ps",
  positionals: "<id> [psArgs..]",
  describe: "list the container's processes: json (an array of pids) or the host's ps table (ps options after --, default -ef)",
  flags: [{ name: "format", alias: "f", type: "string", choices: ["table", "json"], default: "table", describe: "output format" }],
  handler: async (args) => {
    const a = args as unknown as GlobalOptions & { id: string; psArgs?: string[]; format: "table" | "json" };
    const { containerPids, filterPsOutput, hostPs } = await import("../container/ps.js");
    const pids = await containerPids(new StateStore(a.root), a.id);
    if (a.format === "json") printOut(JSON.stringify(pids) + "\n");
    else printOut(filterPsOutput(hostPs(a.psArgs ?? []), pids));
  },
};
