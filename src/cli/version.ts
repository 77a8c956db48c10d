// `skiff --version`, in runc's shape: podman shows the first line, tools grep "spec:".
export const SKIFF_VERSION = "0.1.0";
export const SPEC_VERSION = "1.2.0";

export const VERSION_TEXT = `skiff version ${SKIFF_VERSION}\nspec: ${SPEC_VERSION}\n`;

/** Every command's name (src/cli/commands.ts; version.test.ts keeps the two the same). */
export const COMMAND_NAMES = ["create", "start", "state", "kill", "delete", "run", "exec", "list", "update", "pause", "resume", "ps", "events", "spec", "features"];

/**
 * --version/-v with global flags but no command (podman runs `runtime --version`). Known from
 * argv alone, so the Bun entry answers it before loading the command line.
 */
export function versionRequested(argv: readonly string[]): boolean {
  return argv.some((a) => a === "--version" || a === "-v") && !argv.some((a) => COMMAND_NAMES.includes(a));
}
