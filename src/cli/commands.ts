// Every subcommand, one module each.
import type { Command } from "./table.js";
import { createCommand } from "./create.js";
import { deleteCommand } from "./delete.js";
import { eventsCommand } from "./events.js";
import { execCommand } from "./exec.js";
import { featuresCommand } from "./features.js";
import { killCommand } from "./kill.js";
import { listCommand } from "./list.js";
import { pauseCommand } from "./pause.js";
import { psCommand } from "./ps.js";
import { resumeCommand } from "./resume.js";
import { runCommand } from "./run.js";
import { specCommand } from "./spec.js";
import { startCommand } from "./start.js";
import { stateCommand } from "./state.js";
import { updateCommand } from "./update.js";

export const commands: Command[] = [
  createCommand,
  startCommand,
  stateCommand,
  killCommand,
  deleteCommand,
  runCommand,
  execCommand,
  listCommand,
  updateCommand,
  pauseCommand,
  resumeCommand,
  psCommand,
  eventsCommand,
  specCommand,
  featuresCommand,
];
