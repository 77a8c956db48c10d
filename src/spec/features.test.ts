import { describe, expect, it } from "vitest";
import { parseMountOptions } from "../plan/mount-options.js";
import { CAPABILITY_NAMES } from "./capabilities.js";
import { features, MOUNT_OPTIONS } from "./features.js";
import { validateSpec } from "./load.js";
import { validateFeatures } from "./validators.generated.js";

type Doc = {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: string[];
  annotations?: Record<string, string>;
  linux: { namespaces: string[]; capabilities: string[]; seccomp: { actions: string[] }; apparmor: { enabled: boolean }; cgroup: Record<string, boolean> };
};
const doc = features({ version: "9.9.9" }) as Doc;
const process = { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/" };

describe("features", () => {
  it("is a valid runtime-spec Features document", () => {
    expect(validateFeatures(doc), JSON.stringify(validateFeatures.errors)).toBe(true);
    expect(validateFeatures({ ...doc, unknownField: 1 })).toBe(false);
  });

  it("spans ociVersion 1.0.0 to 1.3.0, and skiff accepts both ends", () => {
    expect([doc.ociVersionMin, doc.ociVersionMax]).toEqual(["1.0.0", "1.3.0"]);
    for (const ociVersion of [doc.ociVersionMin, doc.ociVersionMax]) {
      expect(() => validateSpec({ ociVersion, root: { path: "r" }, process })).not.toThrow();
    }
  });

  it("lists every hook, namespace and capability", () => {
    expect(doc.hooks).toEqual(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]);
    expect(doc.linux.namespaces).toEqual(["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"]);
    expect(doc.linux.capabilities).toEqual(CAPABILITY_NAMES);
    expect(doc.linux.capabilities).toHaveLength(41);
    expect(doc.linux.capabilities.at(-1)).toBe("CAP_CHECKPOINT_RESTORE");
    expect(doc.linux.seccomp.actions).toContain("SCMP_ACT_KILL_PROCESS");
    expect(doc.linux.apparmor.enabled).toBe(true); // applied when the host module is active
    expect(doc.linux.cgroup).toEqual({ v1: true, v2: true, systemd: true, systemdUser: true, rdma: true });
    expect(doc.annotations).toEqual({ "skiff.version": "9.9.9", "skiff.rootless": "true" });
  });

  it("accepts every listed seccomp action in a config", () => {
    const syscalls = doc.linux.seccomp.actions.map((action) => ({ names: ["getcwd"], action }));
    const config = {
      ociVersion: "1.3.0",
      root: { path: "r" },
      process,
      linux: { seccomp: { defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/agent.sock", syscalls } },
    };
    expect(() => validateSpec(config)).not.toThrow();
  });

  // What features claims must be what the plan does: a listed option may not end up in the
  // filesystem's data string, and "defaults" is the only listed option with no effect at all.
  it("claims only mount options the plan gives a meaning to", () => {
    const passedAsData = MOUNT_OPTIONS.filter((o) => parseMountOptions([o]).data !== "");
    expect(passedAsData).toEqual([]);
    const noEffect = MOUNT_OPTIONS.filter((o) => JSON.stringify(parseMountOptions([o])) === JSON.stringify(parseMountOptions([])));
    expect(noEffect).toEqual(["defaults"]);
  });
});
