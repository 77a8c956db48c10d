import { StateStore } from "../container/state-store.js";
import { idCommand } from "./table.js";

export const pauseCommand = idCommand("pause", "suspend every process of the container (cgroup freezer)", async (root, id) => {
  const { pauseContainer } = await import("../container/pause.js");
  await pauseContainer(new StateStore(root), id);
});
