import { describe, expect, it } from "vitest";
import { ociVersionViolation, processViolations, specViolations } from "./semantic.js";
import type { Violation } from "./violation.js";
import type { Process, Spec } from "./types.js";
import { base, withLinux } from "./spec.testing.js";

describe("specViolations", () => {
  it("accepts the base config", () => {
    expect(specViolations(base())).toEqual([]);
  });

  const cases: [string, Spec, Violation[]][] = [
    [
      "duplicate namespace types",
      withLinux({}, ["pid", "mount", "pid"]),
      [{ path: "/linux/namespaces/2/type", message: 'duplicate namespace "pid" (also at /linux/namespaces/0)' }],
    ],
    [
      "a namespace path that is not absolute",
      withLinux({ namespaces: [{ type: "mount" }, { type: "network", path: "netns/x" }] }),
      [{ path: "/linux/namespaces/1/path", message: "must be an absolute path" }],
    ],
    [
      "a user namespace without mappings",
      withLinux({}, ["mount", "user"]),
      [
        { path: "/linux/uidMappings", message: "is required: the new user namespace at /linux/namespaces/1 needs it (or give the namespace a path to join)" },
        { path: "/linux/gidMappings", message: "is required: the new user namespace at /linux/namespaces/1 needs it (or give the namespace a path to join)" },
      ],
    ],
    [
      "mappings without a user namespace",
      withLinux({ uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }),
      [{ path: "/linux/uidMappings", message: "needs a user namespace in /linux/namespaces" }],
    ],
    [
      "overlapping and empty id mappings",
      withLinux(
        {
          namespaces: [{ type: "mount" }, { type: "user" }],
          uidMappings: [
            { containerID: 0, hostID: 100000, size: 65536 },
            { containerID: 1000, hostID: 1000, size: 1 },
          ],
          gidMappings: [{ containerID: 0, hostID: 100000, size: 0 }],
        },
      ),
      [
        { path: "/linux/uidMappings/1", message: "containerID range overlaps /linux/uidMappings/0" },
        { path: "/linux/gidMappings/0/size", message: "must be at least 1" },
      ],
    ],
    [
      "hostname and domainname without a uts namespace",
      { ...withLinux({}, ["mount"]), hostname: "h", domainname: "d" },
      [
        { path: "/hostname", message: "setting the hostname needs a uts namespace in /linux/namespaces" },
        { path: "/domainname", message: "setting the domainname needs a uts namespace in /linux/namespaces" },
      ],
    ],
    [
      "masked paths and a read-only root without a mount namespace (mounts are accepted, as by runc)",
      { ...withLinux({ maskedPaths: ["/proc/kcore"] }, ["pid"]), root: { path: "rootfs", readonly: true } },
      [
        { path: "/root/readonly", message: "needs a mount namespace in /linux/namespaces" },
        { path: "/linux/maskedPaths", message: "needs a mount namespace in /linux/namespaces" },
      ],
    ],
    [
      "a relative mount destination in a 1.1+ config",
      { ...base(), mounts: [{ destination: "proc", type: "proc", source: "proc" }] },
      [{ path: "/mounts/0/destination", message: "must be an absolute path (relative destinations are accepted only for ociVersion 1.0.x)" }],
    ],
    [
      "an id-mapped mount that is not a bind mount and maps only uids",
      { ...base(), mounts: [{ destination: "/data", type: "ext4", source: "/dev/sdb", uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }] },
      [
        { path: "/mounts/0", message: 'id-mapped mounts must be bind mounts (add "bind" or "rbind" to options)' },
        { path: "/mounts/0", message: "an id-mapped mount needs both uidMappings and gidMappings" },
      ],
    ],
    [
      "idmap without mappings and without a user namespace",
      { ...base(), mounts: [{ destination: "/data", source: "/srv", options: ["rbind", "idmap"] }] },
      [{ path: "/mounts/0/options", message: "idmap without uidMappings/gidMappings needs a user namespace to take them from" }],
    ],
    [
      "idmap without mappings in a user namespace joined without them",
      {
        ...withLinux({ namespaces: [{ type: "mount" }, { type: "user", path: "/proc/1/ns/user" }] }),
        mounts: [{ destination: "/data", source: "/srv", options: ["bind", "idmap"] }],
      },
      [{ path: "/mounts/0/options", message: "idmap without uidMappings/gidMappings takes /linux/uidMappings and /linux/gidMappings, which are not both given" }],
    ],
    [
      "rootfsPropagation without a mount namespace",
      withLinux({ rootfsPropagation: "rslave" }, ["pid"]),
      [{ path: "/linux/rootfsPropagation", message: "needs a mount namespace in /linux/namespaces" }],
    ],
    [
      "a bind mount without a source, by option or by type",
      { ...base(), mounts: [{ destination: "/a", options: ["rbind"] }, { destination: "/b", type: "bind", source: "" }, { destination: "/c", type: "cgroup", options: ["bind"] }] },
      [
        { path: "/mounts/0/source", message: "a bind mount needs a source" },
        { path: "/mounts/1/source", message: "a bind mount needs a source" },
      ],
    ],
    ["a missing root", { ...base(), root: undefined }, [{ path: "/root", message: "is required: skiff needs a root filesystem" }]],
    ["a missing process", { ...base(), process: undefined }, [{ path: "/process", message: "is required: skiff needs a process to run" }]],
    ["an empty annotation key", { ...base(), annotations: { "": "x" } }, [{ path: "/annotations", message: "annotation keys must not be empty" }]],
  ];
  it.each(cases)("reports %s", (_name, spec, expected) => {
    expect(specViolations(spec)).toEqual(expected);
  });

  it("accepts a user namespace joined by path without mappings", () => {
    expect(specViolations(withLinux({ namespaces: [{ type: "mount" }, { type: "user", path: "/proc/1/ns/user" }] }))).toEqual([]);
  });

  it("treats an empty namespace path as a new namespace", () => {
    expect(specViolations(withLinux({ namespaces: [{ type: "mount" }, { type: "user", path: "" }] }))).toHaveLength(2);
  });

  it("accepts relative mount destinations in 1.0.x configs", () => {
    expect(specViolations({ ...base(), ociVersion: "1.0.2-dev", mounts: [{ destination: "proc", type: "proc", source: "proc" }] })).toEqual([]);
  });
});

describe("processViolations", () => {
  it("reports unknown capabilities, duplicate rlimits, soft above hard, and scheduler misuse", () => {
    const found = processViolations(
      {
        user: { uid: 0, gid: 0 },
        cwd: "/",
        args: ["sh"],
        capabilities: { bounding: ["CAP_KILL", "CAP_FOO"], ambient: ["kill"] },
        rlimits: [
          { type: "RLIMIT_NOFILE", soft: 10, hard: 10 },
          { type: "RLIMIT_NOFILE", soft: 20, hard: 10 },
        ],
        scheduler: { policy: "SCHED_OTHER", nice: 25, priority: 3, runtime: 10 },
      },
      "/process",
    );
    expect(found).toEqual([
      { path: "/process/capabilities/bounding/1", message: 'unknown capability "CAP_FOO"' },
      { path: "/process/capabilities/ambient/0", message: 'unknown capability "kill"' },
      { path: "/process/rlimits/1/type", message: "duplicate rlimit RLIMIT_NOFILE (also at /process/rlimits/0)" },
      { path: "/process/rlimits/1", message: "soft limit 20 is above hard limit 10" },
      { path: "/process/scheduler/nice", message: "must be between -20 and 19" },
      { path: "/process/scheduler/priority", message: "can only be set for SCHED_FIFO or SCHED_RR" },
      { path: "/process/scheduler/runtime", message: "can only be set for SCHED_DEADLINE" },
    ]);
  });

  it("reports rlimit values above the uint64 range (2^64-1 itself, rounded to 2^64 by JSON.parse, is fine)", () => {
    const rlimits = JSON.parse('[{"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615},{"type":"RLIMIT_AS","soft":1,"hard":1e30}]');
    expect(processViolations({ user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh"], rlimits }, "/process")).toEqual([
      { path: "/process/rlimits/1/hard", message: "is above the largest unsigned 64-bit integer" },
    ]);
  });

  it("reports environment entries runc would refuse and NUL bytes in args", () => {
    const found = processViolations({ user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh", "a\0b"], env: ["A=1", "NOEQUALS", "=x", "B=\0", "C="] }, "/process");
    expect(found).toEqual([
      { path: "/process/env/1", message: 'must have the form NAME=VALUE (no "=")' },
      { path: "/process/env/2", message: "has an empty variable name" },
      { path: "/process/env/3", message: "must not contain a NUL byte" },
      { path: "/process/args/1", message: "must not contain a NUL byte" },
    ]);
  });

  it.each<[string, NonNullable<Process["scheduler"]>, Violation[]]>([
    ["SCHED_ISO, which Linux never implemented", { policy: "SCHED_ISO" }, [{ path: "/scheduler/policy", message: "SCHED_ISO is not implemented by Linux" }]],
    ["nice out of range for a policy that ignores it", { policy: "SCHED_IDLE", nice: -21 }, [{ path: "/scheduler/nice", message: "must be between -20 and 19" }]],
    ["a real-time policy without a priority", { policy: "SCHED_FIFO" }, [{ path: "/scheduler/priority", message: "must be from 1 to 99 for SCHED_FIFO (got 0)" }]],
    ["a real-time priority above 99", { policy: "SCHED_RR", priority: 100 }, [{ path: "/scheduler/priority", message: "must be from 1 to 99 for SCHED_RR (got 100)" }]],
    [
      "deadline parameters the kernel would not admit",
      { policy: "SCHED_DEADLINE", runtime: 10, deadline: 5, period: 20 },
      [{ path: "/scheduler/runtime", message: "SCHED_DEADLINE needs 0 < runtime <= deadline <= period, got 10, 5, 20" }],
    ],
    [
      "SCHED_DEADLINE without a runtime",
      { policy: "SCHED_DEADLINE", deadline: 5 },
      [{ path: "/scheduler/runtime", message: "SCHED_DEADLINE needs 0 < runtime <= deadline <= period, got 0, 5, 0" }],
    ],
  ])("reports %s", (_name, scheduler, expected) => {
    expect(processViolations({ user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh"], scheduler }, "")).toEqual(expected);
  });

  it("reports execCPUAffinity lists that run backwards or past the mask", () => {
    expect(processViolations({ user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh"], execCPUAffinity: { initial: "3-1", final: "0,1024" } }, "/process")).toEqual([
      { path: "/process/execCPUAffinity/initial", message: "range 3-1 runs backwards" },
      { path: "/process/execCPUAffinity/final", message: "1024 is above the largest id 1023" },
    ]);
  });

  it("accepts deadline parameters with SCHED_DEADLINE and priority with SCHED_FIFO", () => {
    const proc = { user: { uid: 0, gid: 0 }, cwd: "/", args: ["sh"] };
    expect(processViolations({ ...proc, scheduler: { policy: "SCHED_DEADLINE", runtime: 1, deadline: 2, period: 3 } }, "")).toEqual([]);
    expect(processViolations({ ...proc, scheduler: { policy: "SCHED_FIFO", priority: 50 } }, "")).toEqual([]);
  });
});

describe("ociVersionViolation", () => {
  it.each(["1.0.0", "1.0.1", "1.0.2-dev", "1.0.0-rc5", "1.1.0", "1.1.0-rc.1", "1.2.1", "1.3.0", "1.3.7", "1.3.0+dev"])(
    "accepts %s",
    (v) => {
      expect(ociVersionViolation(v)).toBeUndefined();
    },
  );

  it.each([
    ["1.4.0", 'unsupported version "1.4.0" (skiff supports 1.0.0 to 1.3.x)'],
    ["2.0.0", 'unsupported version "2.0.0" (skiff supports 1.0.0 to 1.3.x)'],
    ["0.5.0-dev", 'unsupported version "0.5.0-dev" (skiff supports 1.0.0 to 1.3.x)'],
    ["1.0", '"1.0" is not a SemVer version (skiff supports 1.0.0 to 1.3.x)'],
    ["v1.0.0", '"v1.0.0" is not a SemVer version (skiff supports 1.0.0 to 1.3.x)'],
    ["", '"" is not a SemVer version (skiff supports 1.0.0 to 1.3.x)'],
  ])("rejects %j", (v, message) => {
    expect(ociVersionViolation(v)).toEqual({ path: "/ociVersion", message });
  });
});
