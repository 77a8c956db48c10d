import { describe, expect, it } from "vitest";
import { defaultSpec } from "../spec/default-spec.js";
import { bindsHostSys, cgroupMountSteps, type CgroupView } from "./cgroup-mount.js";

const mount = { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] };
const v2 = (view: Partial<CgroupView>): CgroupView => ({ mode: "v2", paths: { "": "/sys/fs/cgroup/a/c1" }, cgroupns: true, ...view });
const what = (view: CgroupView) => cgroupMountSteps(mount, view, "/rootfs").map((s) => s.what);

describe("a cgroup mount on cgroup v2", () => {
  it("is a cgroup2 mount in a cgroup namespace, a bind of the container's cgroup without one", () => {
    expect(what(v2({}))).toEqual(["mount cgroup2 on /sys/fs/cgroup"]);
    expect(what(v2({ cgroupns: false }))).toEqual(["bind cgroup /sys/fs/cgroup/a/c1 on /sys/fs/cgroup", "remount cgroup /sys/fs/cgroup"]);
  });

  it("binds the container's cgroup where /sys is the host's (the kernel refuses cgroup2 on the host's cgroup2 mount)", () => {
    expect(what(v2({ hostSysBound: true }))).toEqual(["bind cgroup /sys/fs/cgroup/a/c1 on /sys/fs/cgroup", "remount cgroup /sys/fs/cgroup"]);
    expect(bindsHostSys(defaultSpec({ rootless: true, hostUid: 1000, hostGid: 1000 }).mounts)).toBe(true);
    expect(bindsHostSys(defaultSpec().mounts)).toBe(false);
  });

  it("adds nothing for a rootless container that got no cgroup of its own", () => {
    expect(what(v2({ hostSysBound: true, paths: {} }))).toEqual([]);
    expect(what(v2({ cgroupns: false, paths: {} }))).toEqual([]);
  });
});
