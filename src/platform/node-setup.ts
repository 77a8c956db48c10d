// vitest setup file: unit tests run on Node with the Node platform; what a test file made once for
// all its tests goes when they are done.
import { afterAll } from "vitest";
import { removeTempDirs } from "../testing/temp-dirs.js";
import { setPlatform } from "./index.js";
import { nodePlatform } from "./node.js";

setPlatform(nodePlatform);
afterAll(removeTempDirs);
