import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { invalidSysctlName, sysctlComponents, sysctlNamespace, sysctlPath } from "./sysctl.js";

describe("sysctl keys", () => {
  it("map to /proc/sys files", () => {
    expect(["net.ipv4.ip_forward", "kernel.shmmax", "fs.mqueue.msg_max", "user.max_user_namespaces"].map(sysctlPath)).toEqual([
      "/proc/sys/net/ipv4/ip_forward",
      "/proc/sys/kernel/shmmax",
      "/proc/sys/fs/mqueue/msg_max",
      "/proc/sys/user/max_user_namespaces",
    ]);
  });

  it("name files that exist in this kernel's /proc/sys", () => {
    const keys = ["net.ipv4.ip_forward", "net/core/somaxconn", "kernel.shm_rmid_forced", "fs.mqueue.msg_max", "net.ipv4.conf.lo.rp_filter"];
    expect(keys.map(sysctlPath).filter((p) => !fs.existsSync(p))).toEqual([]);
  });

  it("keep dots inside interface names, in both sysctl(8) spellings", () => {
    expect(sysctlComponents("net.ipv4.conf.eth0/1.rp_filter")).toEqual(["net", "ipv4", "conf", "eth0.1", "rp_filter"]);
    expect(sysctlComponents("net/ipv4/conf/eth0.1/rp_filter")).toEqual(["net", "ipv4", "conf", "eth0.1", "rp_filter"]);
    expect(sysctlPath("net.ipv4.conf.eth0/1.forwarding")).toBe("/proc/sys/net/ipv4/conf/eth0.1/forwarding");
  });

  it("are scoped to the namespace the kernel gives them, or to none", () => {
    expect(["kernel.sem", "fs/mqueue/queues_max", "net.ipv4.ip_forward", "kernel.domainname", "user.max_user_namespaces", "kernel.hostname", "vm.swappiness", "kernel.pid_max"].map(sysctlNamespace)).toEqual([
      "ipc",
      "ipc",
      "network",
      "uts",
      "user",
      "hostname",
      undefined,
      undefined,
    ]);
  });

  it("that could leave /proc/sys or name nothing are invalid", () => {
    expect(["net/../../kernel/core_pattern", "net..ipv4", "net.", "net.ipv4.ip_forward"].map(invalidSysctlName)).toEqual([true, true, true, false]);
  });
});
