// The command line, runc-compatible: global flags, one module per subcommand, errors printed
// once (stderr, and the --log file as JSON lines) with exit status 1.
import { ERROR_EXIT_CODE, SkiffError } from "../errors.js";
import { configureLog, logFatal } from "../log.js";
import { commands } from "./commands.js";
import { fastParse } from "./fast-parse.js";
import { VERSION_TEXT, versionRequested } from "./version.js";
import { printOut } from "../output.js";
import { mark } from "../marks.js";

/** --log/--log-format/--debug are needed before parsing so parse errors reach the log too. */
function earlyLogOptions(argv: string[]): { path?: string; format?: "text" | "json"; debug?: boolean } {
  const value = (name: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === `--${name}`) return argv[i + 1];
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    }
    return undefined;
  };
  return { path: value("log"), format: value("log-format") === "json" ? "json" : "text", debug: argv.includes("--debug") };
}

/** Runs one invocation; resolves to the process exit status. */
export async function main(argv: string[]): Promise<number> {
  if (versionRequested(argv)) {
    printOut(VERSION_TEXT);
    return 0;
  }
  await configureLog(earlyLogOptions(argv));
  process.exitCode = 0;
  try {
    const fast = fastParse(argv, commands);
    mark("command line parsed");
    if (fast) await fast.command.handler(fast.args);
    else await (await import("./yargs-cli.js")).runWithYargs(argv, commands);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    logFatal(e instanceof Error ? e.message : String(e));
    if (!(e instanceof SkiffError) && process.env.SKIFF_TRACE) console.error(e);
    return e instanceof SkiffError ? (e.exitCode ?? ERROR_EXIT_CODE) : ERROR_EXIT_CODE;
  }
}
