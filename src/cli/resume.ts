import { resumeContainer } from "../container/pause.js";
import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";

export const resumeCommand: Command = {
  name: "resume",
  positionals: "<id>",
  describe: "resume the processes of a paused container",
  flags: [],
  handler: (args) => {
    const a = args as unknown as GlobalOptions & { id: string };
    resumeContainer(new StateStore(a.root), a.id);
  },
};
