// Flags shared by `create` and `run`.
import type { Argv } from "yargs";
import { SkiffError } from "../errors.js";
import { StateStore } from "../container/state-store.js";
import type { CreateOptions } from "../container/create.js";
import type { GlobalOptions } from "./main.js";

export function withCreateFlags<T>(y: Argv<T>) {
  return y
    .positional("id", { type: "string", demandOption: true, describe: "container id" })
    .option("bundle", { alias: "b", type: "string", default: ".", describe: "path to the bundle (holds config.json)" })
    .option("pid-file", { type: "string", describe: "write the init's pid to this file" })
    .option("console-socket", { type: "string", describe: "unix socket that receives the pty master" })
    .option("no-pivot", { type: "boolean", default: false, describe: "MS_MOVE + chroot instead of pivot_root" })
    .option("no-new-keyring", { type: "boolean", default: false, describe: "do not create a session keyring" })
    .option("preserve-fds", { type: "number", default: 0, describe: "pass this many fds after stdio (3..) to the container" });
}

export interface CreateFlags extends GlobalOptions {
  id: string;
  bundle: string;
  "pid-file"?: string;
  "console-socket"?: string;
  "no-pivot": boolean;
  "preserve-fds": number;
}

export function createOptionsOf(a: CreateFlags): CreateOptions {
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
    preserveFds: a["preserve-fds"],
    systemdCgroup: a["systemd-cgroup"],
  };
}
