// `state ID` and `list`: the runtime-spec State, as runc prints it (plus rootfs, created, owner).
import type { State } from "../spec/types.js";
import { Container } from "./container.js";
import type { StateStore } from "./state-store.js";

export interface StateView extends State {
  rootfs: string;
  created: string;
  owner: string;
}

export async function viewOf(c: Container): Promise<StateView> {
  const rec = c.record;
  const status = await c.status();
  const view: StateView = {
    ociVersion: rec.ociVersion,
    id: rec.id,
    pid: status === "stopped" ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    owner: rec.owner,
  };
  if (rec.annotations && Object.keys(rec.annotations).length > 0) view.annotations = rec.annotations;
  return view;
}

export async function containerState(store: StateStore, id: string): Promise<StateView> {
  return viewOf(await Container.open(store, id));
}
