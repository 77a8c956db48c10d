// Bun entry: `bun build --compile` embeds skiff-init into dist/skiff itself, so the one file
// is all a user installs.
import "./warm-start.js"; // first: see the file
import * as fs from "node:fs";
// @ts-expect-error: a file import, resolved by Bun's bundler to the embedded file's path
import initPath from "../native/build/skiff-init" with { type: "file" };
import { main } from "./cli/main.js";
import { bunFfi } from "./platform/ffi-bun.js";
import { once, setPlatform } from "./platform/index.js";

setPlatform({ initBinary: () => fs.readFileSync(initPath as string), ffi: once(bunFfi) });
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
