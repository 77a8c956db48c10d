import { describe, expect, it } from "vitest";
import {
  capabilityNames,
  isProbeError,
  mountAt,
  parseCgroupFile,
  parseMountInfo,
  parseProbeOutput,
  probeValue,
  statusField,
} from "./probe-report.js";

const MOUNTINFO = [
  "600 500 0:90 / / ro,relatime master:1 - overlay overlay rw,lowerdir=/l",
  "601 600 0:91 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw",
  "602 600 0:92 / /mnt/with\\040space rw shared:7 unbindable - tmpfs tmpfs rw,size=1024k,mode=700",
  "603 600 0:93 / /proc rw - tmpfs tmpfs rw",
  "",
].join("\n");

describe("parseMountInfo", () => {
  const mounts = parseMountInfo(MOUNTINFO);

  it("reads every field of a line, including the optional ones before the separator", () => {
    expect(mounts[0]).toEqual({
      id: 600,
      parentId: 500,
      device: "0:90",
      root: "/",
      mountPoint: "/",
      options: ["ro", "relatime"],
      optionalFields: ["master:1"],
      fsType: "overlay",
      source: "overlay",
      superOptions: ["rw", "lowerdir=/l"],
    });
    expect(mounts[2]!.optionalFields).toEqual(["shared:7", "unbindable"]);
  });

  it("undoes the kernel's octal escapes in paths", () => {
    expect(mounts[2]!.mountPoint).toBe("/mnt/with space");
  });

  it("finds the mount on top at a path (the last one mounted there)", () => {
    expect(mountAt(mounts, "/proc")?.id).toBe(603);
    expect(mountAt(mounts, "/nowhere")).toBeUndefined();
  });

  it("rejects a line without the separator", () => {
    expect(() => parseMountInfo("1 2 0:1 / / rw shared:1 tmpfs")).toThrow(/malformed/);
  });
});

describe("capabilityNames", () => {
  it("turns a CapXxx mask into sorted names", () => {
    // bits 0 (CHOWN), 5 (KILL), 10 (NET_BIND_SERVICE)
    expect(capabilityNames("0000000000000421")).toEqual(["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    expect(capabilityNames("0000000000000000")).toEqual([]);
  });

  it("names the highest known capability and numbers unknown ones", () => {
    expect(capabilityNames("0000010000000000")).toEqual(["CAP_CHECKPOINT_RESTORE"]);
    expect(capabilityNames("0000020000000000")).toEqual(["CAP_41"]);
  });
});

describe("statusField", () => {
  it("returns the trimmed value of one /proc/PID/status field", () => {
    const status = "Name:\tprobe\nNoNewPrivs:\t1\nSeccomp:\t2\n";
    expect(statusField(status, "NoNewPrivs")).toBe("1");
    expect(statusField(status, "Seccomp")).toBe("2");
    expect(statusField(status, "CapAmb")).toBeUndefined();
  });
});

describe("parseCgroupFile", () => {
  it("reads v1 controller lists, named hierarchies and the v2 line", () => {
    expect(parseCgroupFile("4:memory:/a/b\n9:name=systemd:/\n2:cpu,cpuacct:/c\n0::/d:e\n")).toEqual([
      { hierarchyId: 4, controllers: ["memory"], path: "/a/b" },
      { hierarchyId: 9, controllers: ["name=systemd"], path: "/" },
      { hierarchyId: 2, controllers: ["cpu", "cpuacct"], path: "/c" },
      { hierarchyId: 0, controllers: [], path: "/d:e" },
    ]);
  });
});

describe("parseProbeOutput", () => {
  it("finds the report line among other output", () => {
    const report = parseProbeOutput('runtime noise\nPROBE-REPORT {"pid":1,"argv":["/probe"]}\n');
    expect(report.pid).toBe(1);
    expect(report.argv).toEqual(["/probe"]);
  });

  it("says what it saw when there is no report", () => {
    expect(() => parseProbeOutput("exec failed\n")).toThrow(/no probe report.*exec failed/);
  });
});

describe("probe errors", () => {
  it("tells an errno answer from data and refuses to hand it out as data", () => {
    const err = { error: "EROFS", errno: 30 };
    expect(isProbeError(err)).toBe(true);
    expect(isProbeError("text")).toBe(false);
    expect(isProbeError({ ok: true })).toBe(false);
    expect(probeValue("value", "x")).toBe("value");
    expect(() => probeValue(err, "/etc/x")).toThrow("could not read /etc/x: EROFS");
    expect(() => probeValue(undefined, "/etc/x")).toThrow("did not report /etc/x");
  });
});
