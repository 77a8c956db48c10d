import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { NamespaceType } from "../spec/types.js";
import { checkSysctl, sysctlComponents } from "./sysctl.js";

const ALL: NamespaceType[] = ["ipc", "network", "uts", "user", "mount", "pid"];

describe("checkSysctl", () => {
  it("maps namespaced keys to /proc/sys files, in config order", () => {
    expect(
      checkSysctl(
        { "net.ipv4.ip_forward": "1", "kernel.shmmax": "4096", "fs.mqueue.msg_max": "20", "kernel.domainname": "example.org", "user.max_user_namespaces": "0" },
        ALL,
      ),
    ).toEqual([
      { path: "/proc/sys/net/ipv4/ip_forward", value: "1" },
      { path: "/proc/sys/kernel/shmmax", value: "4096" },
      { path: "/proc/sys/fs/mqueue/msg_max", value: "20" },
      { path: "/proc/sys/kernel/domainname", value: "example.org" },
      { path: "/proc/sys/user/max_user_namespaces", value: "0" },
    ]);
  });

  it("names files that exist in this kernel's /proc/sys", () => {
    const writes = checkSysctl({ "net.ipv4.ip_forward": "1", "net/core/somaxconn": "256", "kernel.shm_rmid_forced": "1", "fs.mqueue.msg_max": "10", "net.ipv4.conf.lo.rp_filter": "0" }, ALL);
    expect(writes.filter((w) => !fs.existsSync(w.path))).toEqual([]);
  });

  it("keeps dots inside interface names, in both sysctl(8) spellings", () => {
    expect(sysctlComponents("net.ipv4.conf.eth0/1.rp_filter")).toEqual(["net", "ipv4", "conf", "eth0.1", "rp_filter"]);
    expect(sysctlComponents("net/ipv4/conf/eth0.1/rp_filter")).toEqual(["net", "ipv4", "conf", "eth0.1", "rp_filter"]);
    expect(checkSysctl({ "net/ipv4/conf/eth0.1/rp_filter": "2", "net.ipv4.conf.eth0/1.forwarding": "1" }, ["network"])).toEqual([
      { path: "/proc/sys/net/ipv4/conf/eth0.1/rp_filter", value: "2" },
      { path: "/proc/sys/net/ipv4/conf/eth0.1/forwarding", value: "1" },
    ]);
  });

  it("is empty without sysctl", () => {
    expect(checkSysctl(undefined, [])).toEqual([]);
  });

  it.each<[Record<string, string>, NamespaceType[], string]>([
    [{ "vm.swappiness": "10" }, ALL, 'linux.sysctl: "vm.swappiness" is not namespaced and cannot be set in a container'],
    [{ "kernel.pid_max": "10" }, ALL, 'linux.sysctl: "kernel.pid_max" is not namespaced and cannot be set in a container'],
    [{ "net.ipv4.ip_forward": "1" }, ["ipc", "uts"], 'linux.sysctl: "net.ipv4.ip_forward" can only be set when the container has its own network namespace'],
    [{ "kernel.sem": "1 2 3 4" }, ["network"], 'linux.sysctl: "kernel.sem" can only be set when the container has its own ipc namespace'],
    [{ "fs/mqueue/queues_max": "1" }, [], 'linux.sysctl: "fs/mqueue/queues_max" can only be set when the container has its own ipc namespace'],
    [{ "kernel.domainname": "x" }, ["network"], 'linux.sysctl: "kernel.domainname" can only be set when the container has its own uts namespace'],
    [{ "user.max_user_namespaces": "0" }, ["network"], 'linux.sysctl: "user.max_user_namespaces" can only be set when the container has its own user namespace'],
    [{ "kernel.hostname": "x" }, ALL, 'linux.sysctl: "kernel.hostname" conflicts with the "hostname" field; set that instead'],
    [{ "net/../../kernel/core_pattern": "|x" }, ALL, 'linux.sysctl: "net/../../kernel/core_pattern" is not a valid sysctl name'],
    [{ "net..ipv4": "1" }, ALL, 'linux.sysctl: "net..ipv4" is not a valid sysctl name'],
  ])("rejects %j with namespaces %j", (sysctl, namespaces, message) => {
    expect(() => checkSysctl(sysctl, namespaces)).toThrowError(expect.objectContaining({ kind: "InvalidConfig", message }));
  });
});
