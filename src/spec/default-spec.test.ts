import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultSpec } from "./default-spec.js";
import { validateSpec } from "./load.js";
import type { Spec } from "./types.js";

// `runc spec` / `runc spec --rootless` output of Debian's runc 1.1.5 (run as root, hybrid cgroups).
const runc = (name: string): Spec => JSON.parse(readFileSync(join(import.meta.dirname, "testdata", name), "utf8")) as Spec;

/** runc's file with skiff's documented differences applied: version, hostname, no ambient set. */
function expectedFrom(runcSpec: Spec): Spec {
  const caps = { ...runcSpec.process!.capabilities! };
  delete caps.ambient;
  return { ...runcSpec, ociVersion: "1.3.0", hostname: "skiff", process: { ...runcSpec.process!, capabilities: caps } };
}

describe("defaultSpec", () => {
  it("writes runc's example container, key for key", () => {
    const ours = defaultSpec({ cgroupNamespace: false });
    expect(JSON.stringify(ours, null, "\t")).toBe(JSON.stringify(expectedFrom(runc("runc-1.1-spec.json")), null, "\t"));
  });

  it("writes runc's rootless variant, mapping the given ids to root", () => {
    const ours = defaultSpec({ rootless: true, hostUid: 0, hostGid: 0, cgroupNamespace: false });
    expect(JSON.stringify(ours, null, "\t")).toBe(JSON.stringify(expectedFrom(runc("runc-1.1-spec-rootless.json")), null, "\t"));
    const user = defaultSpec({ rootless: true, hostUid: 1000, hostGid: 1001, cgroupNamespace: false });
    expect(user.linux?.uidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }]);
    expect(user.linux?.gidMappings).toEqual([{ containerID: 0, hostID: 1001, size: 1 }]);
  });

  it("adds a cgroup namespace on cgroup v2 hosts", () => {
    expect(defaultSpec({ cgroupNamespace: true }).linux?.namespaces?.at(-1)).toEqual({ type: "cgroup" });
    expect(defaultSpec({ rootless: true, cgroupNamespace: true }).linux?.namespaces?.map((n) => n.type)).toEqual(["pid", "ipc", "uts", "mount", "cgroup", "user"]);
  });

  it.each([
    ["default", {}],
    ["rootless", { rootless: true, hostUid: 1000, hostGid: 1000 }],
    ["cgroup v2", { cgroupNamespace: true }],
  ])("passes skiff's own validation (%s)", (_name, opts) => {
    const spec = defaultSpec(opts);
    expect(validateSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });
});
