import { describe, expect, it } from "vitest";
import { isSkiffError } from "../errors.js";
import { createCgroupManager } from "./index.js";
import type { Hierarchy } from "./mounts.js";
import { directoriesBetween, directoryOn, placementOf } from "./paths.js";

const memory: Hierarchy = { kind: "v1", controllers: ["memory"], mountpoint: "/sys/fs/cgroup/memory", mountRoot: "/" };

describe("placementOf", () => {
  it("defaults to the relative path <id>, like runc", () => {
    expect(placementOf(undefined, "c1")).toEqual({ path: "c1", absolute: false });
    expect(placementOf("", "c1")).toEqual({ path: "c1", absolute: false });
  });

  it("keeps absolute and relative paths apart and cleans them", () => {
    expect(placementOf("/a//b/", "x")).toEqual({ path: "/a/b", absolute: true });
    expect(placementOf("a/./b", "x")).toEqual({ path: "a/b", absolute: false });
    expect(placementOf("../../etc", "x")).toEqual({ path: "etc", absolute: false });
  });

  it("refuses systemd slice paths with a message about --systemd-cgroup", () => {
    let err: unknown;
    try {
      placementOf("system.slice:docker:abc", "abc");
    } catch (e) {
      err = e;
    }
    expect(isSkiffError(err, "InvalidConfig")).toBe(true);
    expect((err as Error).message).toMatch(/pass --systemd-cgroup/);
    const hybrid = "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
    expect(() => createCgroupManager({ id: "x", systemd: true, rootless: true, mountinfo: hybrid })).toThrow(/a rootless container needs a cgroup v2 host \(this one is hybrid\)/);
  });

  it("refuses a path that is the hierarchy root", () => {
    expect(() => placementOf("/", "x")).toThrow(/cgroup root/);
  });
});

describe("directoryOn", () => {
  it("puts relative paths under the caller's own cgroup and absolute ones under the root", () => {
    expect(directoryOn(memory, placementOf(undefined, "c1"), "/process_api/h")).toBe("/sys/fs/cgroup/memory/process_api/h/c1");
    expect(directoryOn(memory, placementOf("/skiff/c1", "c1"), "/process_api/h")).toBe("/sys/fs/cgroup/memory/skiff/c1");
  });

  it("strips the mount's own root when the mount shows a subtree", () => {
    const sub: Hierarchy = { ...memory, mountRoot: "/docker/abc" };
    expect(directoryOn(sub, placementOf("c1", "c1"), "/docker/abc/inner")).toBe("/sys/fs/cgroup/memory/inner/c1");
  });
});

describe("directoriesBetween", () => {
  it("lists each level below the mountpoint, top first", () => {
    expect(directoriesBetween("/m", "/m/a/b")).toEqual(["/m/a", "/m/a/b"]);
    expect(directoriesBetween("/m", "/m")).toEqual([]);
    expect(directoriesBetween("/m", "/x/a")).toEqual([]);
    // names that begin with dots are inside the mount (runc's ids allow "..." and "..a")
    expect(directoriesBetween("/m", "/m/...")).toEqual(["/m/..."]);
    expect(directoriesBetween("/m", "/m/..a/b")).toEqual(["/m/..a", "/m/..a/b"]);
  });
});

describe("createCgroupManager with given host texts", () => {
  it("maps each controller to its directory, the unified tree under the empty key", () => {
    const m = createCgroupManager({
      id: "c1",
      mountinfo: `32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n`,
      procCgroup: "4:memory:/process_api/h\n1:cpu:/\n0::/\n",
    });
    expect(m.mode).toBe("hybrid");
    expect(m.saved.paths).toEqual({
      cpu: "/sys/fs/cgroup/cpu/c1",
      memory: "/sys/fs/cgroup/memory/process_api/h/c1",
      "": "/sys/fs/cgroup/unified/c1",
    });
  });

  it("on a pure v2 host puts relative paths beside the caller's cgroup, as runc does", () => {
    const v2 = (cgroupsPath: string | undefined, procCgroup: string) =>
      createCgroupManager({ id: "c1", cgroupsPath, mountinfo: "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", procCgroup }).saved.paths[""];
    expect(v2(undefined, "0::/system.slice/engine.service\n")).toBe("/sys/fs/cgroup/system.slice/c1");
    expect(v2("a/b", "0::/user.slice/user-0.slice/session-1.scope\n")).toBe("/sys/fs/cgroup/user.slice/user-0.slice/a/b");
    expect(v2(undefined, "0::/\n")).toBe("/sys/fs/cgroup/c1");
    expect(v2("/abs/c1", "0::/system.slice/engine.service\n")).toBe("/sys/fs/cgroup/abs/c1");
  });
});
