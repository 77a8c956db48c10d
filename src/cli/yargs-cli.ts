// The yargs interpreter of the command table: help, usage and the error for anything the fast
// parser declined. Loaded only on that path.
import type { Argv, Options } from "yargs";
import { SkiffError } from "../errors.js";
import { GLOBAL_FLAGS, positionalsOf, type Args, type Command, type Flag } from "./table.js";

function option(f: Flag): Options {
  return { alias: f.alias, type: f.array ? "array" : f.type, default: f.default, describe: f.describe, choices: f.choices as string[] | undefined, requiresArg: f.type !== "boolean" };
}

export async function runWithYargs(argv: string[], commands: readonly Command[]): Promise<void> {
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
