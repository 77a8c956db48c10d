// The Linux rules of spec/ (semantic-linux.ts), through specViolations as config.json meets them.
import { describe, expect, it } from "vitest";
import { specViolations } from "./semantic.js";
import { resourcesViolations } from "./semantic-linux.js";
import { withLinux } from "./spec.testing.js";
import type { Spec } from "./types.js";
import type { Violation } from "./violation.js";

describe("specViolations: linux rules", () => {
  const cases: [string, Spec, Violation[]][] = [
    [
      "sysctls outside their namespace",
      withLinux(
        { sysctl: { "kernel.shmmax": "1", "net.ipv4.ip_forward": "1", "kernel.hostname": "x", "vm.swappiness": "1", "user.max_user_namespaces": "0" } },
        ["mount"],
      ),
      [
        { path: "/linux/sysctl/kernel.shmmax", message: "an IPC sysctl needs an ipc namespace in /linux/namespaces" },
        { path: "/linux/sysctl/net.ipv4.ip_forward", message: "a net sysctl needs a network namespace in /linux/namespaces (refusing to change the host's)" },
        { path: "/linux/sysctl/kernel.hostname", message: "conflicts with the hostname field: set /hostname instead" },
        { path: "/linux/sysctl/vm.swappiness", message: 'sysctl "vm.swappiness" is not namespaced: it would change the host' },
        { path: "/linux/sysctl/user.max_user_namespaces", message: "a user.* sysctl needs a user namespace in /linux/namespaces" },
      ],
    ],
    [
      "sysctl names that could leave /proc/sys or name nothing",
      withLinux({ sysctl: { "net/../../kernel/core_pattern": "|x", "net..ipv4": "1" } }),
      [
        { path: "/linux/sysctl/net~1..~1..~1kernel~1core_pattern", message: "is not a valid sysctl name" },
        { path: "/linux/sysctl/net..ipv4", message: "is not a valid sysctl name" },
      ],
    ],
    [
      "a slash-separated sysctl is judged by its dotted name",
      withLinux({ sysctl: { "net/ipv4/conf/eth0.100/rp_filter": "1", "fs/mqueue/msg_max": "10" } }),
      [],
    ],
    [
      "time offsets without a time namespace, with an unknown clock",
      withLinux({ timeOffsets: { realtime: { secs: 1 } } }),
      [
        { path: "/linux/timeOffsets", message: "needs a time namespace in /linux/namespaces" },
        { path: "/linux/timeOffsets/realtime", message: "unknown clock: must be one of monotonic, boottime" },
      ],
    ],
    [
      "time offsets when joining a time namespace",
      withLinux({ namespaces: [{ type: "mount" }, { type: "time", path: "/proc/1/ns/time" }], timeOffsets: { monotonic: { secs: 5 } } }),
      [{ path: "/linux/timeOffsets", message: "cannot be set when joining an existing time namespace (/linux/namespaces/1/path)" }],
    ],
    [
      "net devices without a network namespace, with bad names",
      withLinux({ netDevices: { "eth0/x": {}, eth1: { name: "a-name-that-is-too-long" } } }, ["mount"]),
      [
        { path: "/linux/netDevices", message: "needs a network namespace in /linux/namespaces" },
        { path: "/linux/netDevices/eth0~1x", message: 'invalid network device name "eth0/x"' },
        { path: "/linux/netDevices/eth1/name", message: 'invalid network device name "a-name-that-is-too-long"' },
      ],
    ],
    [
      "net device names of 16 bytes, and two devices under one name (templates excepted)",
      withLinux({ netDevices: { eth0: { name: "net0" }, eth1: { name: "net0" }, net0: {}, eth2: { name: "ethé01234567890" }, eth3: { name: "x%d" }, eth4: { name: "x%d" } } }),
      [
        { path: "/linux/netDevices/eth1/name", message: '"net0" is already the name of /linux/netDevices/eth0 in the container' },
        { path: "/linux/netDevices/net0", message: '"net0" is already the name of /linux/netDevices/eth0 in the container' },
        { path: "/linux/netDevices/eth2/name", message: 'invalid network device name "ethé01234567890"' },
      ],
    ],
    [
      "seccomp errno with actions that carry none, notify without a listener",
      withLinux({
        seccomp: {
          defaultAction: "SCMP_ACT_KILL",
          defaultErrnoRet: 1,
          listenerMetadata: "m",
          syscalls: [
            { names: ["mkdir"], action: "SCMP_ACT_ALLOW", errnoRet: 2 },
            { names: ["mount"], action: "SCMP_ACT_NOTIFY" },
          ],
        },
      }),
      [
        { path: "/linux/seccomp/defaultErrnoRet", message: "cannot be used with defaultAction SCMP_ACT_KILL" },
        { path: "/linux/seccomp/listenerMetadata", message: "must not be set without listenerPath" },
        { path: "/linux/seccomp/syscalls/0/errnoRet", message: "cannot be used with action SCMP_ACT_ALLOW" },
        { path: "/linux/seccomp/syscalls/1/action", message: "SCMP_ACT_NOTIFY needs /linux/seccomp/listenerPath" },
      ],
    ],
    [
      "seccomp errno past libseccomp's or 16 bits, NOTIFY on the executor's own syscalls, argument values past 64 bits",
      withLinux({
        seccomp: {
          defaultAction: "SCMP_ACT_ERRNO",
          defaultErrnoRet: 65536,
          listenerPath: "/run/agent.sock",
          syscalls: [
            { names: ["read"], action: "SCMP_ACT_TRACE", errnoRet: 65535 },
            { names: ["mknod", "write", "sendmsg"], action: "SCMP_ACT_NOTIFY" },
            { names: ["read"], action: "SCMP_ACT_ERRNO", errnoRet: 70000, args: [{ index: 0, value: 2 ** 64 - 1, valueTwo: 1e20, op: "SCMP_CMP_MASKED_EQ" }] },
            { names: ["umask"], action: "SCMP_ACT_ERRNO", errnoRet: 4095 },
            { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 4094 },
          ],
        },
      }),
      [
        { path: "/linux/seccomp/defaultErrnoRet", message: "must be at most 4094 with SCMP_ACT_ERRNO (got 65536)" },
        { path: "/linux/seccomp/syscalls/1/names/1", message: "SCMP_ACT_NOTIFY cannot be used for the write syscall: skiff-init makes it after loading the filter" },
        { path: "/linux/seccomp/syscalls/1/names/2", message: "SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall: skiff-init makes it after loading the filter" },
        { path: "/linux/seccomp/syscalls/2/errnoRet", message: "must be at most 4094 with SCMP_ACT_ERRNO (got 70000)" },
        // A double: 2^64 - 1 is 2^64 once parsed.
        { path: "/linux/seccomp/syscalls/2/args/0/value", message: "must be below 2^64 (got 18446744073709552000)" },
        { path: "/linux/seccomp/syscalls/2/args/0/valueTwo", message: "must be below 2^64 (got 100000000000000000000)" },
        { path: "/linux/seccomp/syscalls/3/errnoRet", message: "must be at most 4094 with SCMP_ACT_ERRNO (got 4095)" },
      ],
    ],
    [
      "SCMP_ACT_NOTIFY as the default action",
      withLinux({ seccomp: { defaultAction: "SCMP_ACT_NOTIFY", listenerPath: "/run/agent.sock" } }),
      [{ path: "/linux/seccomp/defaultAction", message: "SCMP_ACT_NOTIFY cannot be the default action" }],
    ],
    [
      "memory policies with the wrong node lists",
      withLinux({ memoryPolicy: { mode: "MPOL_BIND" } }),
      [{ path: "/linux/memoryPolicy/nodes", message: "MPOL_BIND needs at least one node" }],
    ],
    [
      "MPOL_LOCAL with nodes",
      withLinux({ memoryPolicy: { mode: "MPOL_LOCAL", nodes: "0-1" } }),
      [{ path: "/linux/memoryPolicy/nodes", message: "must be empty for MPOL_LOCAL" }],
    ],
    [
      "an intelRdt CLOS id that is a path",
      withLinux({ intelRdt: { closID: "a/b" } }),
      [{ path: "/linux/intelRdt/closID", message: 'invalid CLOS id "a/b"' }],
    ],
    [
      "a device path that names / itself, and one listed twice",
      withLinux({
        devices: [
          { path: "/dev/fuse", type: "c", major: 10, minor: 229 },
          { path: "/dev/..", type: "c", major: 1, minor: 1 },
          { path: "/dev/./fuse", type: "c", major: 10, minor: 229 },
        ],
      }),
      [
        { path: "/linux/devices/1/path", message: 'must name a path below / (got "/dev/..")' },
        { path: "/linux/devices/2/path", message: '"/dev/fuse" is listed twice (also at /linux/devices/0)' },
      ],
    ],
    [
      "device numbers outside the kernel's range (a FIFO's are ignored)",
      withLinux({
        devices: [
          { path: "/dev/x", type: "c", major: 4096, minor: 1 },
          { path: "/dev/y", type: "b", major: 1, minor: -1 },
          { path: "/dev/p", type: "p", major: -1, minor: 1 << 20 },
        ],
      }),
      [
        { path: "/linux/devices/0/major", message: "must be from 0 to 4095 (got 4096)" },
        { path: "/linux/devices/1/minor", message: "must be from 0 to 1048575 (got -1)" },
      ],
    ],
    [
      "a memory policy node list past the mask, and personality flags",
      withLinux({ memoryPolicy: { mode: "MPOL_BIND", nodes: "0,2000" }, personality: { domain: "LINUX", flags: ["ADDR_NO_RANDOMIZE"] } }),
      [
        { path: "/linux/memoryPolicy/nodes", message: "2000 is above the largest id 1023" },
        { path: "/linux/personality/flags/0", message: 'unsupported flag "ADDR_NO_RANDOMIZE" (the spec defines none)' },
      ],
    ],
  ];
  it.each(cases)("reports %s", (_name, spec, expected) => {
    expect(specViolations(spec)).toEqual(expected);
  });
});

describe("resourcesViolations", () => {
  it("reports swap below the limit, burst above quota and weight devices without weights", () => {
    expect(
      resourcesViolations(
        {
          memory: { limit: 200, swap: 100 },
          cpu: { quota: 1000, burst: 2000 },
          blockIO: { weightDevice: [{ major: 8, minor: 0 }] },
        },
        "",
      ),
    ).toEqual([
      { path: "/memory/swap", message: "memory+swap limit 100 is below the memory limit 200" },
      { path: "/cpu/burst", message: "must not exceed quota 1000" },
      { path: "/blockIO/weightDevice/0", message: "must set weight or leafWeight" },
    ]);
  });

  it("accepts unlimited (-1) swap with a limit", () => {
    expect(resourcesViolations({ memory: { limit: 200, swap: -1 } }, "")).toEqual([]);
  });
});
