// The yargs interpreter of the command table: help, usage and the error for anything the fast
// parser declined. Loaded only on that path.
import type { Argv, Options } from "yargs";
import { SkiffError } from "../errors.js";
import { GLOBAL_FLAGS, positionalsOf, type Args, type Command, type Flag } from "./table.js";

function option(f: Flag): Options {
  return { alias: f.alias, type: f.array ? "array" : f.type, default: f.default, describe: f.describe, choices: f.choices as string[] | undefined, requiresArg: f.type !== "boolean" };
}

/** The first word that is neither a global flag nor a global flag's value: the command asked for. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (!tok.startsWith("-")) return tok;
    const flag = GLOBAL_FLAGS.find((f) => tok === `--${f.name}`);
    if (flag && flag.type !== "boolean") i++;
  }
  return undefined;
}

// CRIU checkpoint/restore is not implemented. podman asks `RUNTIME checkpoint --help` whether a
// runtime supports it, and believes so on exit status 0: so even that is this error.
const UNSUPPORTED: Record<string, string> = {
  checkpoint: "checkpoint is not supported: skiff cannot checkpoint or restore containers",
  restore: "restore is not supported: skiff cannot checkpoint or restore containers",
};

export async function runWithYargs(argv: string[], commands: readonly Command[]): Promise<void> {
  const word = commandWord(argv);
  if (word !== undefined && !commands.some((c) => c.name === word || c.aliases?.includes(word))) {
    // Also with --help: an unknown command is an error (yargs would print the general help).
    throw new SkiffError("InvalidArgument", UNSUPPORTED[word] ?? `No help topic for '${word}': no such command (see skiff --help)`);
  }
  const { default: yargs } = await import("yargs");
  let y: Argv = yargs(argv)
    .scriptName("skiff")
    .usage("skiff [global options] <command> [options]\n\nAn OCI container runtime, a drop-in for runc.")
    // runc flags such as --no-pivot are names of their own, not negations of "pivot".
    .parserConfiguration({ "camel-case-expansion": false, "boolean-negation": false });
  for (const f of GLOBAL_FLAGS) y = y.option(f.name, { ...option(f), global: true });
  for (const c of commands) {
    y = y.command({
      command: `${c.name} ${c.positionals}`.trim(),
      aliases: c.aliases,
      describe: c.describe,
      builder: (cy: Argv) => {
        for (const p of positionalsOf(c)) cy = cy.positional(p.name, { type: "string" });
        for (const f of c.flags) cy = cy.option(f.name, option(f));
        return cy.strict();
      },
      handler: (a: Args) => c.handler(a),
    });
  }
  await y
    .demandCommand(1, "no command given: see skiff --help")
    .version(false)
    .help("help")
    .alias("help", "h")
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new SkiffError("InvalidArgument", msg);
    })
    .parseAsync();
}
