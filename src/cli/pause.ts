import { pauseContainer } from "../container/pause.js";
import { StateStore } from "../container/state-store.js";
import { idCommand } from "./table.js";

export const pauseCommand = idCommand("pause", "suspend every process of the container (cgroup freezer)", (root, id) => {
  pauseContainer(new StateStore(root), id);
});
