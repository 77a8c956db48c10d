// The manager on a v1 or hybrid host's real cgroup v1 hierarchies (skipped on a pure cgroup v2
// host, which has none; the v2 files are in cgroups-v2 and v2-container). What a kernel may lack
// (swap accounting, cpu burst/idle/realtime, a block device under /, BFQ) is read from the host
// and checked only where present. Every cgroup sits under the test process's own cgroup (a
// relative cgroupsPath) and is removed after each test; every process the tests start is
// killed by pid.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isSkiffError } from "../errors.js";
import { hostFacts } from "../host/facts.js";
import type { LinuxResources } from "../spec/types.js";
import { createCgroupManager, detectMode, exactJson, loadCgroupManager, type CgroupManager } from "./index.js";
import { freeRealtimeRuntime, readHostFacts } from "../../conformance/host.js";
import { cgroupMode, cgroupMountPoints, rootDisk } from "../testing/host.js";
import { PYTHON, cgroupLines, errorOf, rejectionOf, delay, eventually, firstLine, isRoot, removeCgroups, start, startCounter, stopAll } from "./testing.js";

const MiB = 1024 * 1024;
const { mountinfo } = hostFacts();
const group = `skiff-it-${process.pid}`;
const managers: CgroupManager[] = [];
let serial = 0;

function newManager(): CgroupManager {
  const id = `c${++serial}`;
  const m = createCgroupManager({ id, cgroupsPath: `${group}/${id}`, mountinfo });
  managers.push(m);
  return m;
}

function read(m: CgroupManager, controller: string, file: string): string {
  return fs.readFileSync(path.join(m.saved.paths[controller]!, file), "utf8").trim();
}

// The disk under /, for the blkio throttles (none when / is not on a block device).
const [diskMajor, diskMinor] = (rootDisk ?? "0:0").split(":").map(Number) as [number, number];

/** Whether the cgroup above the manager's (ours, made by create) has `file` for `controller`. */
function parentHas(m: CgroupManager, controller: string, file: string): boolean {
  return fs.existsSync(path.join(path.dirname(m.saved.paths[controller]!), file));
}

afterEach(async () => {
  try {
    await removeCgroups(managers);
  } finally {
    await stopAll(); // processes the tests started outside any cgroup of theirs
  }
});

describe.runIf(isRoot && cgroupMode !== "v2")(`cgroup v1 hierarchies (this host: ${cgroupMode}; a pure v2 host has none)`, () => {
  it("detects the mode and places a relative path under the caller's own cgroup per hierarchy", () => {
    expect(detectMode(mountinfo)).toBe(cgroupMode);
    const m = newManager();
    const own = Object.fromEntries(cgroupLines(process.pid).map((l) => [l.split(":")[1], l.split(":")[2]]));
    expect(m.saved.paths.memory).toBe(path.join("/sys/fs/cgroup/memory", own.memory!, group, "c1"));
    expect(m.saved.paths.cpu).toBe(path.join("/sys/fs/cgroup/cpu", own.cpu!, group, "c1"));
    if (own["name=systemd"] !== undefined) expect(m.saved.paths["name=systemd"]).toBe(path.join("/sys/fs/cgroup/systemd", own["name=systemd"], group, "c1"));
    if (cgroupMode === "hybrid") expect(m.saved.paths[""]).toBe(path.join("/sys/fs/cgroup/unified", own[""]!, group, "c1"));
    const byName = Object.fromEntries(m.hierarchies().map((h) => [h.name, h]));
    expect(Object.keys(byName).sort()).toEqual(cgroupMountPoints.filter((p) => path.dirname(p) === "/sys/fs/cgroup").map((p) => path.basename(p)).sort());
    expect(byName.memory).toEqual({ name: "memory", dir: m.saved.paths.memory, controllers: ["memory"] });
    if (byName.systemd) expect(byName.systemd.controllers).toEqual(["name=systemd"]);
    if (cgroupMode === "hybrid") expect(byName.unified).toEqual({ name: "unified", dir: m.saved.paths[""], controllers: [] });
  });

  it("creates, joins every hierarchy, and removes only what it created", async () => {
    const m = newManager();
    await m.create();
    for (const dir of Object.values(m.saved.paths)) expect(fs.statSync(dir).isDirectory()).toBe(true);
    // cpuset: a new v1 cgroup starts empty; the manager copies the parent's so it is joinable.
    expect(read(m, "cpuset", "cpuset.cpus")).toBe(fs.readFileSync(path.join(path.dirname(m.saved.paths.cpuset!), "cpuset.cpus"), "utf8").trim());
    expect(read(m, "cpuset", "cpuset.mems")).not.toBe("");

    const sleeper = start("sleep", ["1000"]);
    await m.apply(sleeper.pid);
    const lines = cgroupLines(sleeper.pid);
    const leaf = `/${group}/${path.basename(m.saved.paths.cpu!)}`;
    for (const line of lines) expect(line.endsWith(leaf)).toBe(true);
    expect(lines.some((l) => l.startsWith("0::"))).toBe(true);

    // A second manager for the same path finds the directories there and must leave them.
    const again = createCgroupManager({ id: "again", cgroupsPath: leaf.slice(1), mountinfo });
    await again.create();
    expect(again.saved.created).toEqual([]);

    process.kill(sleeper.pid, "SIGKILL");
    await sleeper.exited;
    const created = [...m.saved.created];
    expect(created.length).toBeGreaterThan(0);
    managers.splice(managers.indexOf(m), 1);
    await m.destroy();
    for (const dir of created) expect(fs.existsSync(dir)).toBe(false);
  });

  it("fills an empty cpuset made by someone else on the way (a pod's parent), so the container can join", async () => {
    const pod = `${group}/pod${++serial}`;
    const podCpuset = createCgroupManager({ id: "pod", cgroupsPath: pod, mountinfo }).saved.paths.cpuset!;
    fs.mkdirSync(podCpuset, { recursive: true }); // as an engine makes a pod cgroup: cpus and mems empty
    try {
      expect(fs.readFileSync(path.join(podCpuset, "cpuset.cpus"), "utf8").trim()).toBe("");
      const m = createCgroupManager({ id: "c", cgroupsPath: `${pod}/c`, mountinfo });
      managers.push(m);
      await m.create();
      expect(fs.readFileSync(path.join(podCpuset, "cpuset.cpus"), "utf8").trim()).not.toBe("");
      const sleeper = start("sleep", ["1000"]);
      await m.apply(sleeper.pid);
      expect(cgroupLines(sleeper.pid).find((l) => l.split(":")[1] === "cpuset")).toMatch(new RegExp(`/${pod}/c$`));
      process.kill(sleeper.pid, "SIGKILL");
      await sleeper.exited;
      managers.splice(managers.indexOf(m), 1);
      await m.destroy();
    } finally {
      fs.rmdirSync(podCpuset);
      try {
        fs.rmdirSync(path.dirname(podCpuset)); // the group, if this test made it
      } catch {
        // still in use by another test's cgroups, which remove it
      }
    }
  });

  it("writes every resource this host supports and reads each one back", async () => {
    const m = newManager();
    await m.create();
    // What this kernel may lack: swap accounting, kernel TCP accounting, cpu burst/idle, realtime
    // groups, a block device under / (throttles), BFQ or CFQ (weights).
    const swap = parentHas(m, "memory", "memory.memsw.limit_in_bytes");
    const kernelTCP = parentHas(m, "memory", "memory.kmem.tcp.limit_in_bytes");
    const burst = parentHas(m, "cpu", "cpu.cfs_burst_us");
    const idle = parentHas(m, "cpu", "cpu.idle");
    const realtime = parentHas(m, "cpu", "cpu.rt_runtime_us") && (freeRealtimeRuntime(readHostFacts()) ?? 0) >= 10000;
    const weightFile = ["blkio.weight", "blkio.bfq.weight"].find((f) => parentHas(m, "blkio", f));
    const disk = [{ major: diskMajor, minor: diskMinor }];
    const resources: LinuxResources = {
      memory: { limit: 64 * MiB, ...(swap && { swap: 128 * MiB }), reservation: 32 * MiB, swappiness: 20, disableOOMKiller: true, ...(kernelTCP && { kernelTCP: 16 * MiB }), kernel: 8 * MiB, useHierarchy: true },
      cpu: { shares: 512, quota: 20000, period: 100000, ...(burst && { burst: 1000 }), ...(realtime && { realtimePeriod: 1000000, realtimeRuntime: 10000 }), cpus: "0", mems: "0", ...(idle && { idle: 0 }) },
      pids: { limit: 50 },
      blockIO: {
        ...(weightFile && { weight: 500 }),
        ...(rootDisk && {
          throttleReadBpsDevice: disk.map((d) => ({ ...d, rate: MiB })),
          throttleWriteBpsDevice: disk.map((d) => ({ ...d, rate: 2 * MiB })),
          throttleReadIOPSDevice: disk.map((d) => ({ ...d, rate: 100 })),
          throttleWriteIOPSDevice: disk.map((d) => ({ ...d, rate: 200 })),
        }),
      },
      devices: [
        { allow: false, access: "rwm" },
        { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
        { allow: true, type: "c", major: 1, minor: 5, access: "r" },
      ],
      hugepageLimits: [],
      network: { priorities: [] },
      unified: {},
    };
    m.set(resources);
    expect(read(m, "memory", "memory.limit_in_bytes")).toBe(String(64 * MiB));
    if (swap) expect(read(m, "memory", "memory.memsw.limit_in_bytes")).toBe(String(128 * MiB));
    expect(read(m, "memory", "memory.soft_limit_in_bytes")).toBe(String(32 * MiB));
    expect(read(m, "memory", "memory.swappiness")).toBe("20");
    expect(read(m, "memory", "memory.oom_control")).toMatch(/^oom_kill_disable 1$/m);
    if (kernelTCP) expect(read(m, "memory", "memory.kmem.tcp.limit_in_bytes")).toBe(String(16 * MiB));
    expect(read(m, "memory", "memory.use_hierarchy")).toBe("1");
    expect(read(m, "cpu", "cpu.shares")).toBe("512");
    expect(read(m, "cpu", "cpu.cfs_quota_us")).toBe("20000");
    expect(read(m, "cpu", "cpu.cfs_period_us")).toBe("100000");
    if (burst) expect(read(m, "cpu", "cpu.cfs_burst_us")).toBe("1000");
    if (realtime) expect(read(m, "cpu", "cpu.rt_period_us")).toBe("1000000");
    if (realtime) expect(read(m, "cpu", "cpu.rt_runtime_us")).toBe("10000");
    if (idle) expect(read(m, "cpu", "cpu.idle")).toBe("0");
    expect(read(m, "cpuset", "cpuset.cpus")).toBe("0");
    expect(read(m, "cpuset", "cpuset.mems")).toBe("0");
    expect(read(m, "pids", "pids.max")).toBe("50");
    if (weightFile) expect(read(m, "blkio", weightFile)).toBe("500");
    if (rootDisk) {
      expect(read(m, "blkio", "blkio.throttle.read_bps_device")).toBe(`${rootDisk} ${MiB}`);
      expect(read(m, "blkio", "blkio.throttle.write_bps_device")).toBe(`${rootDisk} ${2 * MiB}`);
      expect(read(m, "blkio", "blkio.throttle.read_iops_device")).toBe(`${rootDisk} 100`);
      expect(read(m, "blkio", "blkio.throttle.write_iops_device")).toBe(`${rootDisk} 200`);
    }
    expect(read(m, "devices", "devices.list").split("\n")).toEqual(["c 1:3 rwm", "c 1:5 r"]);
    expect(m.saved.resources).toEqual(resources);
  });

  it("names the field when the host lacks the controller or feature a limit needs", async () => {
    const m = newManager();
    await m.create();
    const cases: [LinuxResources, RegExp][] = [
      [{ hugepageLimits: [{ pageSize: "2MB", limit: 2 * MiB }] }, /linux\.resources\.hugepageLimits\[0\]: the hugetlb cgroup controller is not available/],
      [{ network: { classID: 0x100001 } }, /linux\.resources\.network\.classID: the net_cls cgroup controller is not available/],
      [{ network: { priorities: [{ name: "lo", priority: 1 }] } }, /linux\.resources\.network\.priorities: the net_prio cgroup controller/],
      [{ rdma: { mlx4_0: { hcaHandles: 1 } } }, /linux\.resources\.rdma\.mlx4_0: the rdma cgroup controller is not available/],
      [{ blockIO: { leafWeight: 500 } }, /linux\.resources\.blockIO\.leafWeight: this kernel has no blkio\.leaf_weight/],
      [{ unified: { "memory.max": "1" } }, /linux\.resources\.unified: invalid configuration: raw cgroup v2 keys need a cgroup v2/],
      [{ memory: { limit: 64 * MiB, swap: 32 * MiB } }, /linux\.resources\.memory\.swap \(33554432\) must be >= memory\.limit/],
      [{ memory: { swappiness: 101 } }, /linux\.resources\.memory\.swappiness: 101 is out of range/],
      [{ cpu: { shares: 1_000_000 } }, /linux\.resources\.cpu\.shares: the maximum allowed cpu-shares is 262144/],
    ];
    for (const [resources, message] of cases) {
      const err = errorOf(() => m.set(resources));
      expect(err.kind).toBe("InvalidConfig");
      expect(err.message).toMatch(message);
    }
  });

  it("reports a write the kernel refuses with the field, the file and the errno text", async () => {
    const m = newManager();
    await m.create();
    const err = errorOf(() => m.set({ cpu: { quota: 500 } })); // below the kernel's 1 ms minimum
    expect(err.kind).toBe("Syscall");
    expect(err.errno).toBe(22);
    expect(err.message).toBe(`linux.resources.cpu.quota: writing "500" to ${m.saved.paths.cpu}/cpu.cfs_quota_us: invalid argument`);
    // BFQ takes per-device weights only for disks it schedules: check where / is on a disk
    // that BFQ does not schedule (mq-deadline on the CI machine).
    const scheduler = rootDisk && fs.readFileSync(`/sys/dev/block/${rootDisk}/queue/scheduler`, "utf8");
    if (scheduler && !scheduler.includes("[bfq]") && fs.existsSync(path.join(m.saved.paths.blkio!, "blkio.bfq.weight_device"))) {
      const weightErr = errorOf(() => m.set({ blockIO: { weightDevice: [{ major: diskMajor, minor: diskMinor, weight: 300 }] } }));
      expect(weightErr.message).toBe(
        `linux.resources.blockIO.weightDevice[0]: writing "${rootDisk} 300" to ${m.saved.paths.blkio}/blkio.bfq.weight_device: operation not supported`,
      );
    }
  });

  it("freezes and thaws the processes, and lists them recursively", async () => {
    const m = newManager();
    await m.create();
    const counter = startCounter();
    await m.apply(counter.proc.pid);
    counter.go();
    await eventually(() => counter.read() > 3);

    // A sub-cgroup made inside the container's (as a container with a cgroup namespace might).
    const sub = path.join(m.saved.paths.freezer!, "inner");
    fs.mkdirSync(sub);
    const inner = start("sleep", ["1000"]);
    fs.writeFileSync(path.join(sub, "cgroup.procs"), String(inner.pid));
    const pids = m.pids();
    expect(pids).toContain(counter.proc.pid);
    expect(pids).toContain(inner.pid);

    m.freeze();
    expect(await m.isFrozen()).toBe(true);
    expect(read(m, "freezer", "freezer.state")).toBe("FROZEN");
    const frozenAt = counter.read();
    await delay(300);
    expect(counter.read()).toBe(frozenAt);
    // A reloaded manager (a later `skiff state`) sees the same.
    expect(await loadCgroupManager(JSON.parse(JSON.stringify(m.saved))).isFrozen()).toBe(true);

    m.thaw();
    expect(await m.isFrozen()).toBe(false);
    await eventually(() => counter.read() > frozenAt + 3);
  });

  it("gives stats in runc's shape", async () => {
    const m = newManager();
    await m.create();
    m.set({ memory: { limit: 64 * MiB }, pids: { limit: 20 } });
    const busy = start("sh", ["-c", "read _; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 1000 & echo done; wait"], { stdin: true });
    await m.apply(busy.pid);
    busy.child.stdin!.write("go\n");
    await firstLine(busy);
    const s = m.stats();
    expect(s.pids).toEqual({ current: 2n, limit: 20n });
    expect(s.memory.usage.limit).toBe(BigInt(64 * MiB));
    expect(s.memory.usage.usage).toBeGreaterThan(0n);
    expect(s.cpu.usage.total).toBeGreaterThan(0n);
    expect(s.cpu.usage.percpu?.length).toBe(fs.readFileSync("/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu", "utf8").trim().split(" ").length);
    expect(s.memory.raw?.hierarchical_memory_limit).toBe(BigInt(64 * MiB));
    const json = JSON.parse(exactJson(s)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"]);
  });

  it("updates with runc's merge: fields not named keep their values", async () => {
    const m = newManager();
    await m.create();
    m.set({ memory: { limit: 64 * MiB, swap: 128 * MiB }, cpu: { quota: 20000, period: 100000 }, pids: { limit: 30 } });
    const reloaded = loadCgroupManager(JSON.parse(JSON.stringify(m.saved)));
    await reloaded.update({ memory: { limit: 96 * MiB }, cpu: { quota: 30000 } });
    expect(read(m, "memory", "memory.limit_in_bytes")).toBe(String(96 * MiB));
    expect(read(m, "memory", "memory.memsw.limit_in_bytes")).toBe(String(128 * MiB));
    expect(read(m, "cpu", "cpu.cfs_quota_us")).toBe("30000");
    expect(read(m, "cpu", "cpu.cfs_period_us")).toBe("100000");
    expect(read(m, "pids", "pids.max")).toBe("30");
    expect(reloaded.saved.resources).toEqual({ memory: { limit: 96 * MiB, swap: 128 * MiB }, cpu: { quota: 30000, period: 100000 }, pids: { limit: 30 } });
    // Raising the limit above memsw is refused before anything is written.
    await expect(reloaded.update({ memory: { limit: 256 * MiB } })).rejects.toThrow(/must be >= memory\.limit/);
    expect(read(m, "memory", "memory.limit_in_bytes")).toBe(String(96 * MiB));
  });

  it("checkBeforeUpdate refuses a memory limit below the current usage", async () => {
    const m = newManager();
    await m.create();
    const user = start(PYTHON, ["-c", "import sys, time; sys.stdin.readline(); b = bytearray(8 << 20); print('ok', flush=True); time.sleep(1000)"], { stdin: true });
    await m.apply(user.pid);
    user.child.stdin!.write("go\n");
    await firstLine(user);
    const err = await rejectionOf(m.update({ memory: { limit: 4 * MiB, swap: -1, checkBeforeUpdate: true } }));
    expect(isSkiffError(err, "InvalidConfig")).toBe(true);
    expect(err.message).toMatch(/^linux\.resources\.memory\.limit: unable to set memory limit to 4194304 \(current usage: [0-9]+, peak usage: [0-9]+\)$/);
    expect(read(m, "memory", "memory.limit_in_bytes")).not.toBe(String(4 * MiB));
  });

  it("counts OOM kills when a process outgrows the memory limit", async () => {
    const m = newManager();
    await m.create();
    m.set({ memory: { limit: 32 * MiB, swap: 32 * MiB } });
    const hog = start(PYTHON, ["-c", "import sys; sys.stdin.readline(); b = bytearray(256 * 1024 * 1024)"], { stdin: true });
    await m.apply(hog.pid);
    expect(m.oomKills()).toBe(0);
    hog.child.stdin!.write("go\n");
    expect((await hog.exited).signal).toBe("SIGKILL");
    expect(m.oomKills()).toBe(1);
  });

  it("stops a fork bomb at pids.limit", async () => {
    const m = newManager();
    await m.create();
    m.set({ pids: { limit: 5 } });
    const forker = [
      "import os, sys, time",
      "sys.stdin.readline()",
      "forked = 0",
      "for _ in range(10):",
      "    try:",
      "        if os.fork() == 0:",
      "            time.sleep(1000)",
      "            os._exit(0)",
      "        forked += 1",
      "    except OSError:",
      "        pass",
      "print(forked, flush=True)",
      "time.sleep(1000)",
    ].join("\n");
    const bomb = start(PYTHON, ["-c", forker], { stdin: true });
    await m.apply(bomb.pid);
    bomb.child.stdin!.write("go\n");
    expect(await firstLine(bomb)).toBe("4"); // itself + 4 children = pids.limit
    expect(m.pids().length).toBe(5);
    expect(read(m, "pids", "pids.events")).toMatch(/^max [1-9]/);
  });
});
