import { describe, expect, it } from "vitest";
import { detectMode } from "./index.js";
import { ownPathOn, parseCgroupMounts, parseProcCgroup } from "./mounts.js";
import { warmUpTarget as targetOf } from "./warm-up.js";

// This machine's layout: v1 controllers plus cgroup2 at /sys/fs/cgroup/unified.
const HYBRID = `22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// A classic systemd v1 host: co-mounted cpu,cpuacct, no cgroup2 at all.
const V1 = `25 20 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu,cpuacct
28 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory
29 25 0:26 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,pids
`;

const V2 = `30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

describe("detectMode", () => {
  it("tells the three host layouts apart", () => {
    expect(detectMode(HYBRID)).toBe("hybrid");
    expect(detectMode(V1)).toBe("v1");
    expect(detectMode(V2)).toBe("v2");
  });

  it("refuses a host with no cgroup mount", () => {
    expect(() => detectMode("22 28 0:21 / /proc rw - proc proc rw\n")).toThrow(/no cgroup hierarchy/);
  });
});

describe("parseCgroupMounts", () => {
  it("keeps co-mounted controllers together and names named hierarchies", () => {
    const v1 = parseCgroupMounts(V1);
    expect(v1.map((h) => h.controllers)).toEqual([["cpu", "cpuacct"], ["memory"], ["pids"]]);
    expect(v1[0]!.mountpoint).toBe("/sys/fs/cgroup/cpu,cpuacct");
    const hybrid = parseCgroupMounts(HYBRID);
    expect(hybrid.find((h) => h.mountpoint.endsWith("systemd"))!.controllers).toEqual(["name=systemd"]);
    expect(hybrid.find((h) => h.kind === "v2")!.mountpoint).toBe("/sys/fs/cgroup/unified");
  });

  it("counts a hierarchy once even when it is mounted again, and unescapes paths", () => {
    const twice = V2 + `99 30 0:26 /sub /tmp/with\\040space rw - cgroup2 cgroup2 rw\n`;
    expect(parseCgroupMounts(twice)).toHaveLength(1);
    const spaced = parseCgroupMounts(`99 30 0:26 /sub /tmp/with\\040space rw - cgroup2 cgroup2 rw\n`);
    expect(spaced[0]).toMatchObject({ mountpoint: "/tmp/with space", mountRoot: "/sub" });
  });
});

describe("parseProcCgroup", () => {
  it("finds the caller's cgroup per hierarchy", () => {
    const own = parseProcCgroup("9:name=systemd:/\n4:memory:/process_api/abc\n2:cpuacct,cpu:/x\n0::/\n");
    const [cpu, memory, pids] = parseCgroupMounts(V1);
    expect(ownPathOn(own, cpu!)).toBe("/x");
    expect(ownPathOn(own, memory!)).toBe("/process_api/abc");
    expect(ownPathOn(own, pids!)).toBeUndefined();
    expect(ownPathOn(own, parseCgroupMounts(V2)[0]!)).toBe("/");
  });
});

/** The warm-up target for a mountinfo text. */
const warmUpTarget = (mountinfo: string, procCgroup: string) => targetOf(parseCgroupMounts(mountinfo), procCgroup);

describe("warmUpTarget", () => {
  it("moves the caller into its own cgroup on the first v1 hierarchy, or on the v2 tree", () => {
    expect(warmUpTarget(V1, "2:cpuacct,cpu:/x\n4:memory:/y\n")).toBe("/sys/fs/cgroup/cpu,cpuacct/x/cgroup.procs");
    expect(warmUpTarget(HYBRID, "5:cpu:/\n0::/z\n")).toBe("/sys/fs/cgroup/cpu/cgroup.procs");
    expect(warmUpTarget(V2, "0::/user.slice/a.scope\n")).toBe("/sys/fs/cgroup/user.slice/a.scope/cgroup.procs");
  });

  it("maps the cgroup through a mount of a subtree, and gives up when the mount does not show it", () => {
    const sub = `30 23 0:26 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n`;
    expect(warmUpTarget(sub, "0::/kubepods/pod1/c\n")).toBe("/sys/fs/cgroup/c/cgroup.procs");
    expect(warmUpTarget(sub, "0::/kubepods/pod1\n")).toBe("/sys/fs/cgroup/cgroup.procs");
    // a sibling whose name merely starts the same is outside the mount
    expect(warmUpTarget(sub, "0::/kubepods/pod10/c\n")).toBeUndefined();
    expect(warmUpTarget(sub, "0::/system.slice\n")).toBeUndefined();
    expect(warmUpTarget(V1, "0::/\n")).toBeUndefined();
  });
});
