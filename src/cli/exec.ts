import { execFailed, SkiffError } from "../errors.js";
import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";

interface ExecFlags extends GlobalOptions {
  id: string;
  command: string[];
  process?: string;
  tty: boolean;
  "console-socket"?: string;
  detach: boolean;
  "pid-file"?: string;
  cwd?: string;
  env?: string[];
  user?: string;
  "additional-gids"?: (number | string)[];
  cap?: string[];
  "no-new-privs": boolean;
  apparmor?: string;
  "process-label"?: string;
  "preserve-fds": number;
  cgroup?: string[];
  "ignore-paused": boolean;
}

export const execCommand: Command = {
  name: "exec",
  positionals: "<id> [command..]",
  describe: "run a new process inside a running container",
  flags: [
    { name: "process", alias: "p", type: "string", describe: "a runtime-spec Process JSON file; replaces the command and the flags below" },
    { name: "tty", alias: "t", type: "boolean", default: false, describe: "give the process a terminal" },
    { name: "console-socket", type: "string", describe: "unix socket that receives the pty master" },
    { name: "detach", alias: "d", type: "boolean", default: false, describe: "return once the process runs" },
    { name: "pid-file", type: "string", describe: "write the process's pid to this file" },
    { name: "cwd", type: "string", describe: "working directory in the container" },
    { name: "env", alias: "e", type: "string", array: true, describe: "add NAME=VALUE to the environment (repeatable)" },
    { name: "user", alias: "u", type: "string", describe: "run as uid[:gid]" },
    { name: "additional-gids", alias: "g", type: "number", array: true, describe: "add a supplementary gid (repeatable)" },
    { name: "cap", alias: "c", type: "string", array: true, describe: "add a capability (repeatable)" },
    { name: "no-new-privs", type: "boolean", default: false, describe: "set no_new_privs" },
    { name: "apparmor", type: "string", describe: "AppArmor profile for the process" },
    { name: "process-label", type: "string", describe: "SELinux label for the process" },
    { name: "preserve-fds", type: "number", default: 0, describe: "pass this many fds after stdio (3..) to the process" },
    { name: "cgroup", type: "string", array: true, describe: "sub-cgroup to join: path, or controller[,controller]:path (repeatable)" },
    { name: "ignore-paused", type: "boolean", default: false, describe: "exec into a paused container (the process runs once it is resumed)" },
  ],
  handler: async (args) => {
    const a = args as unknown as ExecFlags;
    const gids = (a["additional-gids"] ?? []).map(Number);
    if (gids.some((g) => !Number.isInteger(g))) throw new SkiffError("InvalidArgument", `--additional-gids: not a number: ${a["additional-gids"]?.join(",")}`);
    const { execInContainer } = await import("../container/exec.js");
    process.exitCode = await execInContainer({
      store: new StateStore(a.root),
      id: a.id,
      args: (a.command ?? []).map(String),
      processFile: a.process,
      tty: a.tty,
      consoleSocket: a["console-socket"],
      detach: a.detach,
      pidFile: a["pid-file"],
      cwd: a.cwd,
      env: a.env?.map(String),
      user: a.user === undefined ? undefined : String(a.user),
      additionalGids: gids,
      caps: a.cap?.map(String),
      noNewPrivs: a["no-new-privs"],
      apparmor: a.apparmor,
      processLabel: a["process-label"],
      preserveFds: a["preserve-fds"],
      cgroup: a.cgroup?.map(String),
      ignorePaused: a["ignore-paused"],
    }).catch((e: unknown) => {
      throw execFailed(e);
    });
  },
};
