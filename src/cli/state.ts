import { containerState } from "../container/state.js";
import { StateStore } from "../container/state-store.js";
import { idCommand } from "./table.js";

export const stateCommand = idCommand("state", "print the container's state as JSON", (root, id) => {
  process.stdout.write(JSON.stringify(containerState(new StateStore(root), id), null, 2) + "\n");
});
