// The security and process surface of config.json (issue 3) on real containers: each field's
// effect read back from inside, each invalid form refused with its message and nothing left.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Runtime } from "../testing/harness.js";
import type { Spec } from "../spec/types.js";
import { securityHelpers } from "./security.testing.js";
import { idmapSupported } from "../../conformance/define.js";
import { appArmorEnabled, hasCapability, lackingCapability, numaNodes, resctrlMounted, seLinuxEnabled } from "../testing/host.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());
const { run, output, createError, hostDir } = securityHelpers(rt);

describe("process attributes", () => {
  it("oomScoreAdj", () => {
    expect(output(["cat", "/proc/self/oom_score_adj"], (c) => (c.process!.oomScoreAdj = 500))).toBe("500\n");
  });

  it("rlimits: soft and hard limits inside; duplicates and raises above the host refused", () => {
    const out = output(["sh", "-c", "ulimit -n; ulimit -Hn"], (c) => (c.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 512, hard: 768 }]));
    expect(out).toBe("512\n768\n");
    expect(createError((c) => (c.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1, hard: 2 }, { type: "RLIMIT_NOFILE", soft: 1, hard: 2 }]))).toBe(
      "config.json: /process/rlimits/1/type: duplicate rlimit RLIMIT_NOFILE (also at /process/rlimits/0)",
    );
    // Above the runtime's own hard limit: refused without CAP_SYS_RESOURCE (the CI machine),
    // granted with it up to the kernel's fs.nr_open (as runc's setrlimit is).
    const hostHard = Number(execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim());
    const raise = (c: Spec) => (c.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1024, hard: hostHard + 1 }]);
    if (!hasCapability("CAP_SYS_RESOURCE")) {
      expect(createError(raise)).toBe(
        `process.rlimits: cannot raise the RLIMIT_NOFILE hard limit to ${hostHard + 1} above the runtime's ${hostHard}: operation not permitted (it needs CAP_SYS_RESOURCE, which the runtime does not have)`,
      );
    } else if (hostHard < Number(fs.readFileSync("/proc/sys/fs/nr_open", "utf8"))) {
      expect(output(["sh", "-c", "ulimit -Hn"], raise)).toBe(`${hostHard + 1}\n`);
    }
  });

  it("ioPriority: the init's I/O class and level; an unknown class refused", () => {
    expect(output(["ionice", "-p", "1"], (c) => (c.process!.ioPriority = { class: "IOPRIO_CLASS_BE", priority: 6 }))).toBe("best-effort: prio 6\n");
    expect(output(["ionice", "-p", "1"], (c) => (c.process!.ioPriority = { class: "IOPRIO_CLASS_IDLE", priority: 0 }))).toBe("idle\n");
    expect(createError((c) => (c.process!.ioPriority = { class: "IOPRIO_CLASS_NONE" as "IOPRIO_CLASS_BE", priority: 0 }))).toBe(
      "config.json: /process/ioPriority/class: must be one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE",
    );
  });

  it("scheduler: policy and nice in /proc/1/stat; a bad priority refused", () => {
    // fields 19 (nice) and 41 (policy: SCHED_BATCH = 3, SCHED_IDLE = 5)
    expect(output(["cut", "-d", " ", "-f", "19,41", "/proc/1/stat"], (c) => (c.process!.scheduler = { policy: "SCHED_BATCH", nice: 7 }))).toBe("7 3\n");
    expect(output(["cut", "-d", " ", "-f", "41", "/proc/1/stat"], (c) => (c.process!.scheduler = { policy: "SCHED_IDLE" }))).toBe("5\n");
    expect(createError((c) => (c.process!.scheduler = { policy: "SCHED_FIFO", priority: 0 }))).toBe(
      "config.json: /process/scheduler/priority: must be from 1 to 99 for SCHED_FIFO (got 0)",
    );
  });

  it("personality LINUX32 makes uname report i686; an unknown domain refused", () => {
    expect(output(["uname", "-m"], (c) => (c.linux!.personality = { domain: "LINUX32" }))).toBe("i686\n");
    expect(output(["uname", "-m"], (c) => (c.linux!.personality = { domain: "LINUX" }))).toBe(`${os.machine()}\n`);
    expect(createError((c) => (c.linux!.personality = { domain: "LINUX64" }))).toBe("config.json: /linux/personality/domain: must be one of LINUX, LINUX32");
  });

  it("memoryPolicy MPOL_BIND to a node shows in numa_maps; a missing node or no node refused", () => {
    const node = numaNodes[0]!;
    const maps = output(["sh", "-c", `grep -c bind:${node} /proc/self/numa_maps`], (c) => (c.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: String(node) }));
    expect(Number(maps)).toBeGreaterThan(0);
    const missing = Math.max(...numaNodes) + 1;
    expect(createError((c) => (c.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: `${node},${missing}` }))).toBe(
      `linux.memoryPolicy.nodes: node ${missing} does not exist on this host (nodes: ${numaNodes.join(",")})`,
    );
    expect(createError((c) => (c.linux!.memoryPolicy = { mode: "MPOL_INTERLEAVE" }))).toBe("config.json: /linux/memoryPolicy/nodes: MPOL_INTERLEAVE needs at least one node");
  });

  it.skipIf(lackingCapability === undefined)("capabilities: one the host's bounding set lacks is a warning and left out (skipped: the bounding set is full)", () => {
    const r = run(["sh", "-c", "grep CapEff /proc/self/status"], (c) => {
      const set = ["CAP_CHOWN", lackingCapability!];
      c.process!.capabilities = { bounding: set, effective: set, permitted: set };
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("CapEff:\t0000000000000001\n");
    expect(r.stderr).toContain(`process.capabilities.effective: ${lackingCapability} cannot be granted`);
  });

  it("capabilities: an unknown name refused", () => {
    expect(createError((c) => (c.process!.capabilities = { bounding: ["CAP_BOGUS"] }))).toBe('config.json: /process/capabilities/bounding/0: unknown capability "CAP_BOGUS"');
  });
});

describe("security modules and platform features this host lacks", () => {
  it("apparmorProfile and selinuxLabel are refused without their module; mountLabel is ignored", () => {
    // (where the module is enabled, a real profile/label would be needed: not checked here)
    if (!appArmorEnabled) expect(createError((c) => (c.process!.apparmorProfile = "acme_secure"))).toBe('process.apparmorProfile "acme_secure": AppArmor is not enabled on this host');
    if (!seLinuxEnabled) {
      expect(createError((c) => (c.process!.selinuxLabel = "system_u:system_r:svirt_lxc_net_t:s0"))).toBe(
        'process.selinuxLabel "system_u:system_r:svirt_lxc_net_t:s0": SELinux is not enabled on this host',
      );
    }
    expect(output(["echo", "ran"], (c) => (c.linux!.mountLabel = "system_u:object_r:svirt_sandbox_file_t:s0"))).toBe("ran\n");
  });

  it.skipIf(resctrlMounted)("intelRdt needs a mounted resctrl (skipped: resctrl is mounted here)", () => {
    expect(createError((c) => (c.linux!.intelRdt = { closID: "guaranteed_group" }))).toBe("linux.intelRdt: resctrl is not mounted");
  });
});

describe("filesystem restrictions", () => {
  it("a /dev mount with ro is read-only once its devices are in (runc's mounts.bats)", () => {
    const out = output(["sh", "-c", "grep '^tmpfs /dev ' /proc/mounts; ls /dev/null"], (c) => {
      c.mounts = c.mounts!.map((m) => (m.destination === "/dev" ? { ...m, options: [...(m.options ?? []), "ro"] } : m));
    });
    expect(out).toMatch(/^tmpfs \/dev tmpfs ro,/);
    expect(out).toContain("/dev/null");
  });

  it("maskedPaths: a file reads empty, a directory is an empty read-only tmpfs, a missing path is skipped", () => {
    const out = output(["sh", "-c", "cat /etc/secret; echo .; ls /etc/private; touch /etc/private/x 2>&1; echo done"], (c, dir) => {
      fs.writeFileSync(path.join(dir, "rootfs/etc/secret"), "s3cret\n");
      fs.mkdirSync(path.join(dir, "rootfs/etc/private"));
      fs.writeFileSync(path.join(dir, "rootfs/etc/private/key"), "k\n");
      c.linux!.maskedPaths = ["/etc/secret", "/etc/private", "/no/such/path"];
    });
    expect(out).toBe(".\ntouch: /etc/private/x: Read-only file system\ndone\n");
  });

  it("readonlyPaths refuse writes; a missing one is skipped", () => {
    const out = output(["sh", "-c", "touch /tmp/x && echo tmp-ok; touch /etc/x 2>&1; echo done"], (c) => {
      c.root!.readonly = false;
      c.linux!.readonlyPaths = ["/etc", "/no/such/path"];
    });
    expect(out).toBe("tmp-ok\ntouch: /etc/x: Read-only file system\ndone\n");
    // a read-only /proc sub-path keeps the proc mount's nosuid,nodev,noexec (as runc keeps them)
    const options = output(["sh", "-c", "awk '$5 == \"/proc/sys\" {print $6}' /proc/self/mountinfo"], (c) => {
      c.linux!.readonlyPaths = ["/proc/sys"];
      c.mounts!.find((m) => m.destination === "/proc")!.options = ["nosuid", "nodev", "noexec"];
    });
    expect(options.trim().split(",").sort()).toEqual(expect.arrayContaining(["nodev", "noexec", "nosuid", "ro"]));
  });

  it("sysctl: namespaced keys are set inside; a host-wide key is refused", () => {
    const out = output(["cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/msgmax"], (c) => {
      c.linux!.sysctl = { "net.ipv4.ip_forward": "1", "kernel.msgmax": "4242" };
    });
    expect(out).toBe("1\n4242\n");
    expect(createError((c) => (c.linux!.sysctl = { "vm.swappiness": "1" }))).toBe(
      'config.json: /linux/sysctl/vm.swappiness: sysctl "vm.swappiness" is not namespaced: it would change the host',
    );
  });

  const STAT = "stat -c '%n %F %t:%T %a %u:%g' /dev/mynull /dev/myloop /dev/myfifo";
  const devices = (c: Spec) => {
    c.linux!.devices = [
      { path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 0o600, uid: 1000, gid: 1001 },
      { path: "/dev/myloop", type: "b", major: 7, minor: 200, fileMode: 0o640, uid: 0, gid: 6 },
      { path: "/dev/myfifo", type: "p", fileMode: 0o622 },
    ];
  };

  it("devices: character, block and fifo nodes with mode and owner", () => {
    expect(output(["sh", "-c", STAT], devices).split("\n")).toEqual([
      "/dev/mynull character special file 1:3 600 1000:1001",
      "/dev/myloop block special file 7:c8 640 0:6",
      "/dev/myfifo fifo 0:0 622 0:0",
      "",
    ]);
  });

  it("devices in a user namespace are bound from the host", () => {
    const out = output(["sh", "-c", "stat -c '%n %F %t:%T' /dev/zero /dev/kmsg; head -c 3 /dev/zero | od -An -tx1"], (c, dir) => {
      fs.chmodSync(dir, 0o755); // the container's root is host uid 100000: it must reach the rootfs
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.mounts = c.mounts!.filter((m) => m.destination !== "/sys" && m.destination !== "/sys/fs/cgroup");
      c.linux!.devices = [{ path: "/dev/kmsg", type: "c", major: 1, minor: 11 }];
    });
    expect(out).toBe("/dev/zero character special file 1:5\n/dev/kmsg character special file 1:b\n 00 00 00\n");
  });
});

describe("mounts: recursive attributes and idmapping", () => {
  it("rro, rnosuid, rnodev, rnoexec, rnoatime reach a submount; rrw and ratime clear them", () => {
    const out = output(["sh", "-c", "grep -E ' /(view|data)/sub ' /proc/self/mountinfo | cut -d' ' -f5,6; touch /view/sub/x 2>&1; touch /data/sub/y && echo data-ok"], (c, dir) => {
      const data = path.join(dir, "rootfs/data");
      c.mounts!.push(
        { destination: "/data", type: "tmpfs", source: "tmpfs" },
        { destination: "/data/sub", type: "tmpfs", source: "tmpfs" },
        { destination: "/view", type: "none", source: data, options: ["rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rrw", "rro", "rnoatime"] },
      );
    });
    expect(out).toBe("/data/sub rw,relatime\n/view/sub ro,nosuid,nodev,noexec,noatime\ntouch: /view/sub/x: Read-only file system\ndata-ok\n");
  });

  it("ratime and rrw clear what the source mount had", () => {
    const out = output(["sh", "-c", "grep ' /view/sub ' /proc/self/mountinfo | cut -d' ' -f6"], (c, dir) => {
      c.mounts!.push(
        { destination: "/data", type: "tmpfs", source: "tmpfs" },
        { destination: "/data/sub", type: "tmpfs", source: "tmpfs", options: ["ro", "noatime"] },
        { destination: "/view", type: "none", source: path.join(dir, "rootfs/data"), options: ["rbind", "rrw", "ratime"] },
      );
    });
    expect(out).toBe("rw,relatime\n");
  });

  const noIdmap = !idmapSupported(os.tmpdir()); // the test guest's /tmp: overlayfs on 6.1
  it.skipIf(noIdmap)(`uidMappings/gidMappings idmap a bind mount: on-disk ids show through the mapping${noIdmap ? ` (skipped: ${os.tmpdir()} cannot be idmapped)` : ""}`, () => {
    const src = hostDir();
    fs.chmodSync(src, 0o755); // seen as owned by uid 2000 through the mapping: others must enter
    fs.writeFileSync(path.join(src, "by-root"), "");
    fs.writeFileSync(path.join(src, "by-1000"), "");
    fs.chownSync(path.join(src, "by-1000"), 1000, 1000);
    const out = output(["stat", "-c", "%n %u:%g", "/mapped/by-root", "/mapped/by-1000", "/plain/by-root"], (c) => {
      c.mounts!.push(
        { destination: "/mapped", type: "bind", source: src, options: ["bind", "idmap"], uidMappings: [{ containerID: 0, hostID: 2000, size: 10 }], gidMappings: [{ containerID: 0, hostID: 3000, size: 10 }] },
        { destination: "/plain", type: "bind", source: src, options: ["bind"] },
      );
    });
    expect(out).toBe("/mapped/by-root 2000:3000\n/mapped/by-1000 65534:65534\n/plain/by-root 0:0\n");
  });

  it.skipIf(noIdmap)(`idmap without mappings of its own takes the container's user namespace mappings${noIdmap ? ` (skipped: ${os.tmpdir()} cannot be idmapped)` : ""}`, () => {
    const src = hostDir();
    fs.chmodSync(src, 0o755);
    fs.writeFileSync(path.join(src, "by-root"), "");
    const out = output(["stat", "-c", "%n %u:%g", "/mapped/by-root"], (c, dir) => {
      fs.chmodSync(dir, 0o755); // the container's root is host uid 100000: it must reach the rootfs
      fs.mkdirSync(path.join(dir, "rootfs/mapped")); // and cannot create in it
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.mounts = c.mounts!.filter((m) => m.destination !== "/sys" && m.destination !== "/sys/fs/cgroup");
      c.mounts.push({ destination: "/mapped", type: "bind", source: src, options: ["bind", "idmap"] });
    });
    // on-disk 0 → host 100000 through the mount, which is root inside the container
    expect(out).toBe("/mapped/by-root 0:0\n");
  });

  it("idmapping errors: one map without the other, idmap without mappings or user namespace", () => {
    const src = hostDir();
    expect(createError((c) => c.mounts!.push({ destination: "/m", type: "bind", source: src, options: ["bind"], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }))).toMatch(
      /^config.json: \/mounts\/\d+: an id-mapped mount needs both uidMappings and gidMappings$/,
    );
    expect(createError((c) => c.mounts!.push({ destination: "/m", type: "bind", source: src, options: ["bind", "ridmap"] }))).toMatch(
      /^config.json: \/mounts\/\d+\/options: idmap without uidMappings\/gidMappings needs a user namespace to take them from$/,
    );
  });
});

describe("network devices", () => {
  // A veth pair: skA moves into the container, skB stays here; deleting skB removes both.
  const suffix = String(process.pid % 100000);
  const hostEnd = `skA${suffix}`;
  const peer = `skB${suffix}`;

  it("a host interface moves in, renamed, with its permanent address, and is up", () => {
    execFileSync("ip", ["link", "add", hostEnd, "type", "veth", "peer", "name", peer]);
    try {
      execFileSync("ip", ["addr", "add", "10.213.7.1/24", "dev", hostEnd]);
      const out = output(["sh", "-c", "cat /sys/class/net/eth9/flags; ip -o -4 addr show dev eth9 | awk '{print $4}'"], (c) => {
        c.linux!.netDevices = { [hostEnd]: { name: "eth9" } };
      });
      const [flags, addr] = out.trim().split("\n");
      expect(Number(flags) & 1).toBe(1); // IFF_UP
      expect(addr).toBe("10.213.7.1/24");
      // The device went with the container's network namespace (a veth is destroyed with it).
      expect(spawnSync("ip", ["link", "show", hostEnd]).status).not.toBe(0);
    } finally {
      spawnSync("ip", ["link", "del", peer]);
    }
  });

  it("a missing device fails create; netDevices without a network namespace is refused", () => {
    expect(createError((c) => (c.linux!.netDevices = { nosuchdev0: {} }))).toBe(
      "move network devices nosuchdev0 into the container: no such device (find network device nosuchdev0)",
    );
    expect(
      createError((c) => {
        c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "network");
        c.linux!.netDevices = { lo: {} };
      }),
    ).toBe("config.json: /linux/netDevices: needs a network namespace in /linux/namespaces");
  });
});
