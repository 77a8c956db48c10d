// The command line, runc-compatible: global flags, one module per subcommand, errors printed
// once (stderr, and the --log file as JSON lines) with exit status 1.
import yargs, { type Argv } from "yargs";
import { ERROR_EXIT_CODE, SkiffError } from "../errors.js";
import { configureLog, logFatal, type LogFormat } from "../log.js";
import { commands } from "./commands.js";
import { VERSION_TEXT } from "./version.js";

export interface GlobalOptions {
  root: string;
  log?: string;
  "log-format": LogFormat;
  debug: boolean;
  "systemd-cgroup": boolean;
  rootless?: string;
}

function parser(argv: string[]): Argv<GlobalOptions> {
  return yargs(argv)
    .scriptName("skiff")
    .usage("skiff [global options] <command> [options]\n\nAn OCI container runtime, a drop-in for runc.")
    .option("root", { type: "string", default: "/run/skiff", describe: "directory for container state", global: true })
    .option("log", { type: "string", describe: "append log records to this file", global: true })
    .option("log-format", { choices: ["text", "json"] as const, default: "text" as LogFormat, describe: "log record format", global: true })
    .option("debug", { type: "boolean", default: false, describe: "log debug records", global: true })
    .option("systemd-cgroup", { type: "boolean", default: false, describe: "use systemd to manage cgroups (cgroupsPath slice:prefix:name)", global: true })
    .option("rootless", { type: "string", describe: "ignored; accepted for runc compatibility (true|false|auto)", global: true })
    .command(commands)
    .demandCommand(1, "no command given: see skiff --help")
    .version(false)
    .option("version", { alias: "v", type: "boolean", describe: "print the version" })
    .help("help")
    .alias("help", "h")
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new SkiffError("InvalidArgument", msg);
    }) as unknown as Argv<GlobalOptions>;
}

/** Runs one invocation; resolves to the process exit status. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
    process.stdout.write(VERSION_TEXT);
    return 0;
  }
  const preLog = earlyLogOptions(argv);
  try {
    configureLog(preLog);
  } catch (e) {
    logFatal(`cannot open log file ${preLog.path}: ${(e as Error).message}`);
    return ERROR_EXIT_CODE;
  }
  process.exitCode = 0;
  try {
    await parser(argv).parseAsync();
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    logFatal(e instanceof Error ? e.message : String(e));
    if (!(e instanceof SkiffError) && process.env.SKIFF_TRACE) console.error(e);
    return ERROR_EXIT_CODE;
  }
}

/** --log/--log-format/--debug are needed before parsing so parse errors reach the log too. */
function earlyLogOptions(argv: string[]): { path?: string; format?: LogFormat; debug?: boolean } {
  const value = (name: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === `--${name}` || a === `-${name}`) return argv[i + 1];
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
      if (a.startsWith(`-${name}=`)) return a.slice(name.length + 2);
    }
    return undefined;
  };
  const format = value("log-format");
  return { path: value("log"), format: format === "json" ? "json" : "text", debug: argv.includes("--debug") };
}
