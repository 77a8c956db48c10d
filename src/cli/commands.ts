// Every subcommand, one module each.
import type { CommandModule } from "yargs";
import { createCommand } from "./create.js";
import { deleteCommand } from "./delete.js";
import { featuresCommand } from "./features.js";
import { killCommand } from "./kill.js";
import { listCommand } from "./list.js";
import { runCommand } from "./run.js";
import { specCommand } from "./spec.js";
import { startCommand } from "./start.js";
import { stateCommand } from "./state.js";

// yargs' CommandModule generics differ per command; the list only needs the common shape.
export const commands = [
  createCommand,
  startCommand,
  stateCommand,
  killCommand,
  deleteCommand,
  runCommand,
  listCommand,
  specCommand,
  featuresCommand,
] as unknown as CommandModule[];
