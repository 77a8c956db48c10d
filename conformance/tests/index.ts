// Every conformance test, in the order the runner runs them: runtime.md first, then the config.
import type { ConformanceTest } from "../harness.js";
import { cgroupTests } from "./cgroups.js";
import { configTests } from "./config.js";
import { hookTests } from "./hooks.js";
import { lifecycleTests } from "./lifecycle.js";
import { linuxKernelTests } from "./linux-kernel.js";
import { linuxSecurityTests } from "./linux-security.js";
import { mountTests } from "./mounts.js";
import { netDeviceTests } from "./net-devices.js";
import { namespaceTests } from "./namespaces.js";
import { processTests } from "./process.js";
import { seccompTests } from "./seccomp.js";
import { stateTests } from "./state.js";

export const allTests: ConformanceTest[] = [
  ...lifecycleTests,
  ...stateTests,
  ...hookTests,
  ...processTests,
  ...configTests,
  ...mountTests,
  ...namespaceTests,
  ...linuxSecurityTests,
  ...seccompTests,
  ...linuxKernelTests,
  ...netDeviceTests,
  ...cgroupTests,
];
