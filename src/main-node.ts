// Node entry (the documented fallback: `node dist/node/src/main-node.js`).
import { main } from "./cli/main.js";
import { writeMarks } from "./marks.js";
import { setPlatform } from "./platform/index.js";
import { nodePlatform } from "./platform/node.js";
import { startCgroupWarmUp } from "./warm-start.js";

setPlatform(nodePlatform);
startCgroupWarmUp(process.argv.slice(2));
process.exitCode = await main(process.argv.slice(2));
await writeMarks();
