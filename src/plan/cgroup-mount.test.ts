import { describe, expect, it } from "vitest";
import { defaultSpec } from "../spec/default-spec.js";
import { bindsHostSys, cgroupDelegate, cgroupMountSteps, type CgroupView } from "./cgroup-mount.js";

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

describe("delegating the container's cgroup (runc's OwnerUID)", () => {
  const spec = (edit: (s: ReturnType<typeof defaultSpec>) => void = () => {}) => {
    const s = defaultSpec();
    s.linux!.namespaces = [...s.linux!.namespaces!.filter((n) => n.type !== "cgroup"), { type: "cgroup" }, { type: "user" }];
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.mounts = s.mounts!.map((m) => (m.type === "cgroup" ? { ...m, options: m.options!.filter((o) => o !== "ro") } : m));
    edit(s);
    return s;
  };

  it("goes to the host uid of the process's user, with a cgroup namespace of its own and a writable cgroup mount", () => {
    expect(cgroupDelegate(spec())).toBe(100000);
    expect(cgroupDelegate(spec((s) => (s.process!.user.uid = 1000)))).toBe(101000);
    // without a user namespace the process's uid is the host's
    expect(cgroupDelegate(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "user"))))).toBe(0);
  });

  it("is nobody's with a read-only cgroup mount, the runtime's cgroup namespace, a joined one, or an unmapped user", () => {
    expect(cgroupDelegate(spec((s) => s.mounts!.find((m) => m.type === "cgroup")!.options!.push("ro")))).toBeUndefined();
    expect(cgroupDelegate(spec((s) => (s.mounts = s.mounts!.filter((m) => m.type !== "cgroup"))))).toBeUndefined();
    expect(cgroupDelegate(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "cgroup"))))).toBeUndefined();
    expect(cgroupDelegate(spec((s) => s.linux!.namespaces!.forEach((n) => n.type === "cgroup" && (n.path = "/proc/1/ns/cgroup"))))).toBeUndefined();
    expect(cgroupDelegate(spec((s) => (s.process!.user.uid = 70000)))).toBeUndefined();
  });
});
