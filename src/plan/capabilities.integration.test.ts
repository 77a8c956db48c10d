// The masks capabilities.ts computes, applied by a real process the way skiff-init does
// (bounding drop, capset, ambient raise), then read back from /proc/self/status. Needs root.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { Capabilities } from "../spec/types.js";
import { lackingCapability } from "../testing/host.js";
import { useCProgram } from "./c-program.testing.js";
import { capabilityField, hostFacts } from "../host/facts.js";
import { availableCapabilities, type CapabilitySets, capabilitySets, grantableCapabilities } from "./capabilities.js";

// argv: BOUNDING EFFECTIVE PERMITTED INHERITABLE AMBIENT (hex) LAST_CAP
const SOURCE = String.raw`
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
  unsigned long long m[5];
  for (int i = 0; i < 5; i++) m[i] = strtoull(argv[i + 1], NULL, 16);
  int last = atoi(argv[6]);
  for (int c = 0; c <= last; c++)
    if (!(m[0] >> c & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) { perror("PR_CAPBSET_DROP"); return 1; }
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  for (int i = 0; i < 2; i++) {
    d[i].effective = m[1] >> (32 * i);
    d[i].permitted = m[2] >> (32 * i);
    d[i].inheritable = m[3] >> (32 * i);
  }
  if (syscall(SYS_capset, &h, d) != 0) { perror("capset"); return 1; }
  for (int c = 0; c <= last; c++)
    if ((m[4] >> c & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0) { perror("PR_CAP_AMBIENT_RAISE"); return 1; }
  char buf[8192];
  FILE *f = fopen("/proc/self/status", "r");
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    if (strncmp(line, "Cap", 3) == 0) puts(line);
  return 0;
}
`;

describe.skipIf(process.getuid?.() !== 0)("capability masks applied by a real process", () => {
  const program = useCProgram("capabilities", SOURCE);

  const hex = (v: bigint): string => v.toString(16).padStart(16, "0");
  function apply(s: CapabilitySets): string[] {
    const masks = [s.bounding, s.effective, s.permitted, s.inheritable, s.ambient].map(hex);
    return execFileSync(program.path, [...masks, String(hostFacts().capabilities.lastCap)], { encoding: "utf8", stdio: "pipe" }).trim().split("\n");
  }

  it("shows the spec example's sets in /proc/self/status", () => {
    const caps: Capabilities = {
      bounding: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      permitted: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      inheritable: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      effective: ["CAP_AUDIT_WRITE", "CAP_KILL"],
      ambient: ["CAP_NET_BIND_SERVICE"],
    };
    const { sets, warnings } = grantableCapabilities(capabilitySets(caps), availableCapabilities(false, hostFacts().capabilities));
    expect(warnings).toEqual([]);
    expect(apply(sets)).toEqual([
      "CapInh:\t0000000020000420",
      "CapPrm:\t0000000020000420",
      "CapEff:\t0000000020000020",
      "CapBnd:\t0000000020000420",
      "CapAmb:\t0000000000000400",
    ]);
  });

  it("sees the full bounding set inside a new user namespace, as availableCapabilities says", () => {
    const status = execFileSync("unshare", ["--user", "--map-root-user", "cat", "/proc/self/status"], { encoding: "utf8" });
    expect(capabilityField(status, "CapBnd")).toBe(availableCapabilities(true, hostFacts().capabilities));
  });

  it.skipIf(lackingCapability === undefined)("applies cleanly once a capability the host lacks is left out (skipped: the bounding set is full)", () => {
    const both = [lackingCapability!, "CAP_CHOWN"];
    const everything: Capabilities = { bounding: both, permitted: both, effective: both };
    const requested = capabilitySets(everything);
    // As asked, the kernel refuses the set: this is the failure the warning replaces.
    expect(() => apply(requested)).toThrowError(expect.objectContaining({ stderr: "capset: Operation not permitted\n" }));
    const { sets, warnings } = grantableCapabilities(requested, availableCapabilities(false, hostFacts().capabilities));
    expect(warnings).toHaveLength(3);
    expect(apply(sets)).toContain("CapEff:\t0000000000000001");
  });
});
