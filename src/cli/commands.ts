// Every subcommand, one module each.
import type { Command } from "./table.js";
import { createCommand } from "./create.js";
import { deleteCommand } from "./delete.js";
import { featuresCommand } from "./features.js";
import { killCommand } from "./kill.js";
import { listCommand } from "./list.js";
import { runCommand } from "./run.js";
import { specCommand } from "./spec.js";
import { startCommand } from "./start.js";
import { stateCommand } from "./state.js";

export const commands: Command[] = [
  createCommand,
  startCommand,
  stateCommand,
  killCommand,
  deleteCommand,
  runCommand,
  listCommand,
  specCommand,
  featuresCommand,
];
