// Bun entry: `bun build --compile` embeds skiff-init into dist/skiff itself, so the one file
// is all a user installs.
import { VERSION_TEXT, versionRequested } from "./cli/version.js";
import { mark, writeMarks } from "./marks.js";
import { startCgroupWarmUp } from "./warm-start.js";

mark("Bun started");
const argv = process.argv.slice(2);
if (versionRequested(argv)) {
  // before the command line is even loaded: `--version` is what engines probe a runtime with.
  // console.log writes natively; node:fs would cost more (docs/architecture.md).
  console.log(VERSION_TEXT.trimEnd());
} else {
  // The Bun platform in one module, not five: each module costs start-up. node:fs is not among
  // them: the read-only commands never load it (docs/architecture.md).
  const [{ main }, { bunPlatform }, { childrenExited, setPlatform }] = await Promise.all([import("./cli/main.js"), import("./platform/bun-platform.js"), import("./platform/index.js")]);
  mark("modules loaded");
  setPlatform(bunPlatform);
  startCgroupWarmUp(argv);
  const status = await main(argv);
  // Everything is written (print returns once it is) and the helpers are reaped: exit now. Left
  // to itself Bun would first tear down the JavaScript heap (docs/architecture.md has the cost),
  // memory the kernel frees anyway.
  mark("command done");
  await childrenExited();
  await writeMarks();
  process.exit(status);
}
