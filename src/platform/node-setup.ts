// vitest setup file: unit tests run on Node with the Node platform.
import { setPlatform } from "./index.js";
import { nodePlatform } from "./node.js";

setPlatform(nodePlatform);
