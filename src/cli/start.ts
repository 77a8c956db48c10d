import { startContainer } from "../container/start.js";
import { StateStore } from "../container/state-store.js";
import { idCommand } from "./table.js";

export const startCommand = idCommand("start", "run the user process of a created container", (root, id) => {
  startContainer(new StateStore(root), id);
});
