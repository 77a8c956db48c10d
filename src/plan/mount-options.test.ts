import { describe, expect, it } from "vitest";
import { MOUNT_ATTR, parseMountOptions } from "./mount-options.js";

describe("recursive mount attributes", () => {
  it("set and clear, the later option winning", () => {
    expect(parseMountOptions(["rbind", "rro", "rnosuid", "rnodev"]).recursiveAttrs).toEqual({ set: MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV, clr: 0 });
    expect(parseMountOptions(["rro", "rrw", "rexec", "rsymfollow"]).recursiveAttrs).toEqual({ set: 0, clr: MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOEXEC | MOUNT_ATTR.NOSYMFOLLOW });
    expect(parseMountOptions(["rnoexec", "rnodiratime", "rnosymfollow", "rdev", "rsuid"]).recursiveAttrs).toEqual({
      set: MOUNT_ATTR.NOEXEC | MOUNT_ATTR.NODIRATIME | MOUNT_ATTR.NOSYMFOLLOW,
      clr: MOUNT_ATTR.NODEV | MOUNT_ATTR.NOSUID,
    });
  });

  it("atime options pick one mode and clear the whole atime mask", () => {
    const atime = (opt: string) => parseMountOptions([opt]).recursiveAttrs;
    expect(atime("rnoatime")).toEqual({ set: MOUNT_ATTR.NOATIME, clr: MOUNT_ATTR.ATIME_MASK });
    expect(atime("rstrictatime")).toEqual({ set: MOUNT_ATTR.STRICTATIME, clr: MOUNT_ATTR.ATIME_MASK });
    expect(atime("rnorelatime")).toEqual({ set: MOUNT_ATTR.STRICTATIME, clr: MOUNT_ATTR.ATIME_MASK });
    for (const opt of ["rrelatime", "ratime", "rnostrictatime"]) expect(atime(opt)).toEqual({ set: MOUNT_ATTR.RELATIME, clr: MOUNT_ATTR.ATIME_MASK });
    expect(parseMountOptions(["rnoatime", "rstrictatime"]).recursiveAttrs).toEqual({ set: MOUNT_ATTR.STRICTATIME, clr: MOUNT_ATTR.ATIME_MASK });
  });

  it("none of them, nor idmap, reach the filesystem's data", () => {
    const o = parseMountOptions(["rro", "ridmap", "mode=755"]);
    expect(o.data).toBe("mode=755");
    expect(o.idmap).toBe("ridmap");
    expect(parseMountOptions(["ro"]).recursiveAttrs).toBeUndefined();
  });
});
