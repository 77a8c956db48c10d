import { StateStore } from "../container/state-store.js";
import { idCommand } from "./table.js";

export const resumeCommand = idCommand("resume", "resume the processes of a paused container", async (root, id) => {
  const { resumeContainer } = await import("../container/pause.js");
  await resumeContainer(new StateStore(root), id);
});
