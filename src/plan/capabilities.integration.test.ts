// The masks capabilities.ts computes for this host, applied by skiff-init in a real container.
// Between create and start the init waits in skiff-init with its sets applied and before
// execve recomputes them: the host reads them there, exactly; once started, the program's own
// /proc/self/status shows them through the kernel's execve rules. Needs root.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { capabilityField, hostFacts } from "../host/facts.js";
import { CAPABILITY_NAMES } from "../spec/capabilities.js";
import type { Capabilities, Spec } from "../spec/types.js";
import { hasCapability, lackingCapability } from "../testing/host.js";
import { makeBundle, Runtime, uniqueId, waitFor } from "../testing/harness.js";
import { capabilityNames, type CapabilitySets, grantedCapabilities } from "./capabilities.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

const FIELDS = { bounding: "CapBnd", effective: "CapEff", permitted: "CapPrm", inheritable: "CapInh", ambient: "CapAmb" } as const;

function setsOf(status: string): CapabilitySets {
  const sets = {} as CapabilitySets;
  for (const [set, field] of Object.entries(FIELDS)) sets[set as keyof CapabilitySets] = capabilityField(status, field);
  return sets;
}

/** Creates the container; its init's sets as skiff-init left them, and create's warnings. */
function created(edit: (c: Spec, dir: string) => void): { id: string; rootfs: string; init: CapabilitySets; stderr: string } {
  const b = makeBundle(["sh", "-c", "grep ^Cap /proc/self/status > /status"], (c) => (c.root!.readonly = false));
  rt.trackDir(b.dir);
  edit(b.config, b.dir);
  b.save();
  const id = rt.track(uniqueId("caps"));
  const r = rt.ok(["create", "--bundle", b.dir, id]);
  return { id, rootfs: b.rootfs, init: setsOf(fs.readFileSync(`/proc/${rt.state(id).pid}/status`, "utf8")), stderr: r.stderr };
}

/**
 * What a root process holds after execve of a file without file capabilities (capabilities(7)):
 * permitted = (bounding | inheritable), limited to the old permitted set under no_new_privs, plus
 * ambient; effective = permitted; the other three unchanged.
 */
function afterRootExecve(s: CapabilitySets, noNewPrivileges: boolean): CapabilitySets {
  let permitted = s.bounding | s.inheritable;
  if (noNewPrivileges) permitted &= s.permitted;
  permitted |= s.ambient;
  return { ...s, permitted, effective: permitted };
}

describe.skipIf(process.getuid?.() !== 0)("capability sets applied by skiff-init", () => {
  // The spec's example, with CAP_CHOWN bounded but not permitted: a root program gains it at
  // execve unless no_new_privs is set.
  const example: Capabilities = {
    bounding: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
    permitted: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    inheritable: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    effective: ["CAP_AUDIT_WRITE", "CAP_KILL"],
    ambient: ["CAP_NET_BIND_SERVICE"],
  };
  const exampleGrantable = example.bounding!.every(hasCapability);

  for (const noNewPrivileges of [true, false]) {
    it.skipIf(!exampleGrantable)(`the spec example's sets (and a bounded CAP_CHOWN), in the init and after execve (noNewPrivileges ${noNewPrivileges})${exampleGrantable ? "" : " (skipped: the bounding set lacks one)"}`, async () => {
      const { sets, warnings } = grantedCapabilities(example, false, hostFacts().capabilities);
      expect(warnings).toEqual([]);
      const c = created((spec) => {
        spec.process!.capabilities = example;
        spec.process!.noNewPrivileges = noNewPrivileges;
      });
      expect(c.init).toEqual(sets);
      rt.ok(["start", c.id]);
      expect(await waitFor(() => rt.state(c.id).status === "stopped")).toBe(true);
      expect(setsOf(fs.readFileSync(path.join(c.rootfs, "status"), "utf8"))).toEqual(afterRootExecve(sets, noNewPrivileges));
    });
  }

  it("a new user namespace gives every capability this kernel knows, as availableCapabilities says", () => {
    const all: Capabilities = { bounding: [...CAPABILITY_NAMES], permitted: [...CAPABILITY_NAMES], effective: [...CAPABILITY_NAMES] };
    const c = created((spec, dir) => {
      fs.chmodSync(dir, 0o755); // the container's root is host uid 100000: it must reach the rootfs
      spec.process!.capabilities = all;
      spec.linux!.namespaces!.push({ type: "user" });
      spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      spec.mounts = spec.mounts!.filter((m) => m.destination !== "/sys" && m.destination !== "/sys/fs/cgroup");
    });
    const { sets } = grantedCapabilities(all, true, hostFacts().capabilities);
    expect(c.init).toEqual(sets);
    // more than the runtime itself holds, where it lacks one
    if (lackingCapability !== undefined) expect(capabilityNames(c.init.bounding)).toContain(lackingCapability);
  });

  it.skipIf(lackingCapability === undefined)(`one the host's bounding set lacks is left out with a warning per set${lackingCapability === undefined ? " (skipped: the bounding set is full)" : ""}`, () => {
    const both = [lackingCapability!, "CAP_CHOWN"];
    const asked: Capabilities = { bounding: both, permitted: both, effective: both };
    const { sets, warnings } = grantedCapabilities(asked, false, hostFacts().capabilities);
    expect(warnings).toHaveLength(3);
    const c = created((spec) => (spec.process!.capabilities = asked));
    expect(c.init).toEqual(sets);
    expect(c.init.effective).toBe(1n); // CAP_CHOWN alone
    for (const w of warnings) expect(c.stderr).toContain(w);
  });
});
