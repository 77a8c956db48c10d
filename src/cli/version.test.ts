import { expect, it } from "vitest";
import { commands } from "./commands.js";
import { COMMAND_NAMES, versionRequested } from "./version.js";

it("knows every command's name (the Bun entry answers --version without loading the commands)", () => {
  expect(COMMAND_NAMES).toEqual(commands.map((c) => c.name));
});

it("--version or -v without a command", () => {
  expect(versionRequested(["--version"])).toBe(true);
  expect(versionRequested(["--root", "/x", "-v"])).toBe(true);
  expect(versionRequested(["exec", "id", "ls", "-v"])).toBe(false);
  expect(versionRequested(["state", "id"])).toBe(false);
});
