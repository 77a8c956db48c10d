// `state ID` and `list`: the runtime-spec State, as runc prints it (plus rootfs, created, owner).
import { loadCgroupManager } from "../cgroups/index.js";
import type { State } from "../spec/types.js";
import type { ContainerRecord, StateStore } from "./state-store.js";
import { statusOf } from "./status.js";

export interface StateView extends State {
  rootfs: string;
  created: string;
  owner: string;
}

export function viewOf(store: StateStore, rec: ContainerRecord): StateView {
  const status = statusOf(store, rec, () => loadCgroupManager(rec.cgroups).isFrozen());
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

export function containerState(store: StateStore, id: string): StateView {
  return viewOf(store, store.load(id));
}
