import { pauseContainer } from "../container/pause.js";
import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";

export const pauseCommand: Command = {
  name: "pause",
  positionals: "<id>",
  describe: "suspend every process of the container (cgroup freezer)",
  flags: [],
  handler: (args) => {
    const a = args as unknown as GlobalOptions & { id: string };
    pauseContainer(new StateStore(a.root), a.id);
  },
};
