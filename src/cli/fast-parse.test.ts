// The fast parser must agree with yargs on every well-formed call it accepts, and decline
// (return undefined) whatever it is not sure about, so that yargs has the last word.
import yargs from "yargs";
import { describe, expect, it } from "vitest";
import { commands } from "./commands.js";
import { fastParse } from "./fast-parse.js";
import { GLOBAL_FLAGS, positionalsOf, type Args } from "./table.js";

/** What yargs makes of argv with the same table (no handlers run). */
function yargsParse(argv: string[]): Args | undefined {
  let result: Args | undefined;
  let y = yargs(argv).parserConfiguration({ "camel-case-expansion": false, "boolean-negation": false }).exitProcess(false).strict().fail(false as never);
  for (const f of GLOBAL_FLAGS) y = y.option(f.name, { alias: f.alias, type: f.type, default: f.default, choices: f.choices as string[] | undefined, global: true });
  for (const c of commands) {
    y = y.command(`${c.name} ${c.positionals}`.trim(), c.describe, (cy) => {
      for (const p of positionalsOf(c)) cy = cy.positional(p.name, { type: "string" });
      for (const f of c.flags) cy = cy.option(f.name, { alias: f.alias, type: f.array ? "array" : f.type, default: f.default, choices: f.choices as string[] | undefined });
      return cy;
    }, (a) => {
      const names = [...GLOBAL_FLAGS, ...c.flags].map((f) => f.name).concat(positionalsOf(c).map((p) => p.name));
      result = Object.fromEntries(names.filter((n) => a[n] !== undefined).map((n) => [n, a[n]]));
      result.command = c.name;
    });
  }
  y.parseSync();
  return result;
}

const WELL_FORMED = [
  ["--root", "/run/x", "--log", "/b/log.json", "--log-format", "json", "create", "--bundle", "/b", "--pid-file", "/b/init.pid", "id1"],
  ["create", "-b", "/b", "--console-socket", "/s.sock", "--no-pivot", "id1"],
  ["--root=/r", "start", "id1"],
  ["state", "id1"],
  ["kill", "id1", "9"],
  ["kill", "--all", "id1", "SIGTERM"],
  ["kill", "-a", "id1"],
  ["delete", "--force", "id1"],
  ["delete", "-f", "id1"],
  ["run", "-d", "--bundle", "/b", "--preserve-fds", "2", "id1"],
  ["list", "--format", "json"],
  ["list", "-q"],
  ["--debug", "--systemd-cgroup", "state", "x"],
];

describe("fastParse", () => {
  it.each(WELL_FORMED)("agrees with yargs: %s", (...argv) => {
    const fast = fastParse(argv, commands);
    expect(fast).toBeDefined();
    expect({ ...fast!.args, command: fast!.command.name }).toEqual(yargsParse(argv));
  });

  it.each([
    [["--help"]],
    [["create", "--help"]],
    [["state"]], // missing id
    [["state", "a", "b"]], // too many positionals
    [["bogus", "x"]],
    [["kill", "--bogus", "x"]],
    [["create", "--bundle"]], // flag without value
    [["list", "--format", "yaml"]], // not a choice
    [["run", "--preserve-fds", "many", "x"]],
    [["delete", "-f", "-f", "x"]], // repeated single-valued flag
  ])("declines %j (yargs reports it)", (argv) => {
    expect(fastParse(argv, commands)).toBeUndefined();
  });
});
