import { resumeContainer } from "../container/pause.js";
import { StateStore } from "../container/state-store.js";
import { idCommand } from "./table.js";

export const resumeCommand = idCommand("resume", "resume the processes of a paused container", (root, id) => {
  resumeContainer(new StateStore(root), id);
});
