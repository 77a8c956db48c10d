// Every conformance test, in the order the runner runs them: runtime.md first, then the config.
import type { ConformanceTest } from "../harness.js";
import { lifecycleTests } from "./lifecycle.js";
import { stateTests } from "./state.js";

export const allTests: ConformanceTest[] = [...lifecycleTests, ...stateTests];
