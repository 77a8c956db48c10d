// The command line as data: every command, positional and flag once. Two interpreters read it:
// fast-parse.ts for the well-formed calls engines make thousands of times (loading yargs costs
// Bun more than a whole `runc run`: docs/architecture.md), and yargs for everything else —
// help, and the error for anything malformed.

import { defaultStateRoot } from "../host/rootless.js";
import { ownIdentity } from "../host/identity.js";

export type FlagType = "string" | "boolean" | "number";

export interface Flag {
  name: string;
  alias?: string;
  type: FlagType;
  default?: string | boolean | number;
  describe: string;
  choices?: readonly string[];
  /** may be given more than once (collected into an array) */
  array?: boolean;
}

export type Args = Record<string, unknown>;

export interface Command {
  name: string;
  aliases?: string[];
  /** positionals, yargs style: "<id> [signal]", "<id> [command..]" */
  positionals: string;
  describe: string;
  flags: Flag[];
  handler: (args: Args) => void | Promise<void>;
}

export interface Positional {
  name: string;
  required: boolean;
  variadic: boolean;
}

export function positionalsOf(c: Command): Positional[] {
  return c.positionals
    .split(" ")
    .filter(Boolean)
    .map((p) => {
      const variadic = p.endsWith("..]") || p.endsWith("..>");
      return { name: p.slice(1, variadic ? -3 : -1), required: p.startsWith("<"), variadic };
    });
}

export const GLOBAL_FLAGS: Flag[] = [
  // A getter: only a call without --root works it out (as root with XDG_RUNTIME_DIR set, that
  // reads /proc/self/uid_map through node:fs, whose load costs more than a `state`).
  { name: "root", type: "string", get default() { return defaultStateRoot(process.env, ownIdentity()); }, describe: "directory for container state (default /run/skiff; $XDG_RUNTIME_DIR/skiff when rootless)" },
  { name: "log", type: "string", describe: "append log records to this file" },
  { name: "log-format", type: "string", default: "text", choices: ["text", "json"], describe: "log record format" },
  { name: "debug", type: "boolean", default: false, describe: "log debug records" },
  { name: "systemd-cgroup", type: "boolean", default: false, describe: "use systemd to manage cgroups (cgroupsPath slice:prefix:name)" },
  { name: "rootless", type: "string", choices: ["true", "false", "auto"], describe: "rootless cgroup handling: true, false or auto (default: auto, rootless when not host root)" },
];

export interface GlobalOptions {
  root: string;
  log?: string;
  "log-format": "text" | "json";
  debug: boolean;
  "systemd-cgroup": boolean;
  rootless?: string;
}

/** A command whose only argument is the container id (start, state, pause, resume). */
export function idCommand(name: string, describe: string, run: (root: string, id: string) => void | Promise<void>): Command {
  return {
    name,
    positionals: "<id>",
    describe,
    flags: [],
    handler: (args) => {
      const a = args as unknown as GlobalOptions & { id: string };
      return run(a.root, a.id);
    },
  };
}
