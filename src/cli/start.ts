import { StateStore } from "../container/state-store.js";
import { idCommand } from "./table.js";

export const startCommand = idCommand("start", "run the user process of a created container", async (root, id) => {
  const { startContainer } = await import("../container/start.js");
  await startContainer(new StateStore(root), id);
});
