// Node entry (the documented fallback: `node dist/node/src/main-node.js`).
import "./warm-start.js"; // first: see the file
import { main } from "./cli/main.js";
import { writeMarks } from "./marks.js";
import { setPlatform } from "./platform/index.js";
import { nodePlatform } from "./platform/node.js";

setPlatform(nodePlatform);
process.exitCode = await main(process.argv.slice(2));
writeMarks();
