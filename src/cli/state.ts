import { StateStore } from "../container/state-store.js";
import { idCommand } from "./table.js";
import { printOut } from "../output.js";

export const stateCommand = idCommand("state", "print the container's state as JSON", async (root, id) => {
  const { containerState } = await import("../container/state.js");
  printOut(JSON.stringify(await containerState(new StateStore(root), id), null, 2) + "\n");
});
