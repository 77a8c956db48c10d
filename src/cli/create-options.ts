// Flags shared by `create` and `run`.
import { SkiffError } from "../errors.js";
import { StateStore } from "../container/state-store.js";
import type { CreateOptions } from "../container/create.js";
import { isRootless } from "../host/rootless.js";
import { ownIdentity } from "../host/identity.js";
import type { Args, Flag, GlobalOptions } from "./table.js";

export const CREATE_FLAGS: Flag[] = [
  { name: "bundle", alias: "b", type: "string", default: ".", describe: "path to the bundle (holds config.json)" },
  { name: "pid-file", type: "string", describe: "write the init's pid to this file" },
  { name: "console-socket", type: "string", describe: "unix socket that receives the pty master" },
  { name: "no-pivot", type: "boolean", default: false, describe: "MS_MOVE + chroot instead of pivot_root" },
  { name: "no-new-keyring", type: "boolean", default: false, describe: "do not create a session keyring" },
  { name: "preserve-fds", type: "number", default: 0, describe: "pass this many fds after stdio (3..) to the container" },
];

interface CreateFlags extends GlobalOptions {
  id: string;
  bundle: string;
  "pid-file"?: string;
  "console-socket"?: string;
  "no-pivot": boolean;
  "no-new-keyring": boolean;
  "preserve-fds": number;
}

export function createOptionsOf(args: Args): CreateOptions {
  const a = args as unknown as CreateFlags;
  if (!Number.isInteger(a["preserve-fds"]) || a["preserve-fds"] < 0) {
    throw new SkiffError("InvalidArgument", `--preserve-fds: must be a non-negative integer, got ${a["preserve-fds"]}`);
  }
  return {
    store: new StateStore(a.root),
    id: a.id,
    bundle: a.bundle,
    pidFile: a["pid-file"],
    consoleSocket: a["console-socket"],
    noPivot: a["no-pivot"],
    noNewKeyring: a["no-new-keyring"],
    preserveFds: a["preserve-fds"],
    systemdCgroup: a["systemd-cgroup"],
    rootless: isRootless(a.rootless, ownIdentity()),
  };
}
