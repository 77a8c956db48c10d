// config.md "Extensibility" and "Valid values": unknown properties are ignored, invalid values
// are errors.
import type { Spec } from "../../src/spec/types.js";
import { checkEqual } from "../assert.js";
import { createFailsTest, probeTest } from "../define.js";
import { type ConformanceTest } from "../harness.js";
import type { Clause } from "../results.js";

const validValues = (text: string): Clause => ({ doc: "config.md", section: "Valid values", level: "MUST", text });

/** Writes a value the TypeScript types (rightly) forbid, as a hand-written config could. */
function setRaw(target: object, key: string, value: unknown): void {
  (target as Record<string, unknown>)[key] = value;
}

function invalidValueTest(id: string, what: string, corrupt: (spec: Spec) => void): ConformanceTest {
  return createFailsTest({ id, clause: validValues(`an invalid value (${what}) must make the runtime generate an error`), configure: corrupt });
}

export const configTests: ConformanceTest[] = [
  probeTest({
    id: "config.unknown-properties-ignored",
    clause: { doc: "config.md", section: "Extensibility", level: "MUST", text: "unknown properties are ignored, never an error" },
    configure: (spec) => {
      setRaw(spec, "org.example.futureTopLevel", { nested: [1, 2] });
      setRaw(spec.process!, "futureProcessField", true);
      setRaw(spec.linux!, "futureLinuxField", "x");
      setRaw(spec.mounts![0]!, "futureMountField", 7);
    },
    expect: (r) => checkEqual(r.argv[0], "/probe", "the process ran"),
  }),
  invalidValueTest("config.invalid-namespace-type-errors", 'namespace type "bogus"', (spec) => setRaw(spec.linux!.namespaces![0]!, "type", "bogus")),
  invalidValueTest("config.invalid-rootfs-propagation-errors", 'rootfsPropagation "bogus"', (spec) => (spec.linux!.rootfsPropagation = "bogus")),
  invalidValueTest("config.invalid-device-type-errors", 'device type "x"', (spec) => {
    spec.linux!.devices = [{ path: "/dev/conformance-bogus", type: "c", major: 1, minor: 3 }];
    setRaw(spec.linux!.devices[0]!, "type", "x");
  }),
  invalidValueTest("config.invalid-seccomp-action-errors", 'seccomp action "SCMP_ACT_BOGUS"', (spec) => {
    spec.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ALLOW" }] };
    setRaw(spec.linux!.seccomp.syscalls![0]!, "action", "SCMP_ACT_BOGUS");
  }),
];
