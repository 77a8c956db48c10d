// Every linux.resources field on real cgroup v2 controllers, through dist/skiff: each value
// written at create, read back from the container's cgroup files, changed by `update` and read
// again; kill --all through cgroup.kill; memory.events after an OOM kill; delete removing what
// skiff made and nothing else. Needs a pure cgroup v2 host (the test guest, docs/test-guest.md);
// a controller or feature the host lacks skips its test, saying so.
//
// The containers go below a parent cgroup systemd leaves alone: under systemd, a transient
// scope with Delegate=yes (its one process moved to a leaf); a cgroupfs container beside a
// service, in system.slice, would have controllers systemd takes back whenever it re-realizes
// the slice (cpuset vanished that way mid-test). Without systemd, a cgroup under the root.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LinuxResources, Spec } from "../spec/types.js";
import { makeBundle, processAlive, Runtime, uniqueId, waitFor } from "../testing/harness.js";
import { cgroup2Mount, cgroupMode, ownCgroup2, systemdRunning, v2Controllers } from "../testing/host.js";
import { isRoot } from "./testing.js";

const rt = new Runtime();
const onV2 = isRoot && cgroupMode === "v2";
const MiB = 1024 * 1024;

// The parent cgroup (from the cgroup2 root) and what holds it open.
let parent = "";
let holder: ChildProcess | undefined;
const unit = `skiff-res-${process.pid}.scope`;
const loops: string[] = [];

beforeAll(async () => {
  if (!onV2) return;
  if (systemdRunning) {
    holder = spawn("systemd-run", ["--scope", "--quiet", `--unit=${unit}`, "-p", "Delegate=yes", "sleep", "100000"], { stdio: "ignore" });
    const pid = holder.pid!;
    expect(await waitFor(() => ownCgroup2(pid).endsWith(`/${unit}`), 20_000)).toBe(true);
    parent = ownCgroup2(pid);
    // No processes in the parent itself, or cgroup v2 gives its children no controllers.
    fs.mkdirSync(path.join(cgroup2Mount!, parent, "holder"));
    fs.writeFileSync(path.join(cgroup2Mount!, parent, "holder", "cgroup.procs"), String(pid));
  } else {
    parent = `/skiff-res-${process.pid}`;
    fs.mkdirSync(path.join(cgroup2Mount!, parent));
  }
});

afterAll(() => {
  rt.cleanup();
  for (const loop of loops) spawnSync("losetup", ["-d", loop]);
  if (!onV2) return;
  if (holder?.pid !== undefined) {
    holder.kill("SIGKILL");
    spawnSync("systemctl", ["stop", unit]);
    spawnSync("systemctl", ["reset-failed", unit]);
  }
  // Whatever systemd has not removed with the scope (everything, without systemd).
  for (const dir of [path.join(cgroup2Mount!, parent, "holder"), path.join(cgroup2Mount!, parent)]) {
    for (let i = 0; i < 50 && fs.existsSync(dir); i++) {
      try {
        fs.rmdirSync(dir);
      } catch {
        spawnSync("sleep", ["0.1"]);
      }
    }
  }
});

const dirOf = (id: string) => path.join(cgroup2Mount!, parent, id);
const read = (id: string, file: string) => fs.readFileSync(path.join(dirOf(id), file), "utf8").trim();
const has = (id: string, file: string) => fs.existsSync(path.join(dirOf(id), file));

/** A running container below the parent, with `resources`; returns its id. */
function running(resources: LinuxResources, args = ["sleep", "100000"], edit?: (c: Spec) => void): string {
  const id = rt.track(uniqueId("res"));
  const b = makeBundle(args, (c) => {
    c.linux!.cgroupsPath = `${parent}/${id}`;
    c.linux!.resources = { ...c.linux!.resources, ...resources };
    edit?.(c);
  });
  rt.trackDir(b.dir);
  rt.ok(["run", "-d", "--bundle", b.dir, id]);
  return id;
}

/** `update -r` with a resources file. */
function updateWith(id: string, resources: LinuxResources): void {
  const file = rt.trackDir(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-res-")), "r.json"));
  fs.writeFileSync(file, JSON.stringify(resources));
  rt.ok(["update", "-r", file, id]);
}

const needs = (controller: string) => (v2Controllers.includes(controller) ? "" : ` (skipped: no ${controller} controller in this host's cgroup2 tree)`);
const hugepageSizes = fs.existsSync("/sys/kernel/mm/hugepages")
  ? fs
      .readdirSync("/sys/kernel/mm/hugepages")
      .map((d) => Number(/^hugepages-([0-9]+)kB$/.exec(d)?.[1]))
      .filter((kb) => kb > 0)
      .sort((a, b) => a - b)
  : [];
/** 2048 kB → "2MB", as the hugetlb files name sizes. */
const sizeName = (kb: number) => (kb >= 1024 * 1024 ? `${kb / 1024 / 1024}GB` : kb >= 1024 ? `${kb / 1024}MB` : `${kb}KB`);
const rdmaDevices = fs.existsSync("/sys/class/infiniband") ? fs.readdirSync("/sys/class/infiniband") : [];

/** A loop device over a file in /tmp: a block device the io controller can throttle. */
function loopDevice(): { path: string; major: number; minor: number } | undefined {
  const file = rt.trackDir(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-loop-")), "disk"));
  fs.writeFileSync(file, Buffer.alloc(16 * MiB, 1));
  const r = spawnSync("losetup", ["-f", "--show", file], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  const dev = r.stdout.trim();
  loops.push(dev);
  const rdev = fs.statSync(dev).rdev;
  return { path: dev, major: Math.floor(rdev / 256) & 0xfff, minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00) };
}

describe.runIf(onV2)(`linux.resources on real cgroup v2 controllers${onV2 ? "" : ` (skipped: this host is ${cgroupMode}, not pure cgroup v2)`}`, () => {
  it.runIf(v2Controllers.includes("memory"))(`memory: limit, reservation, swap and unified memory.high; update of each${needs("memory")}`, () => {
    const id = running({ memory: { limit: 256 * MiB, reservation: 64 * MiB, swap: 384 * MiB }, unified: { "memory.high": String(200 * MiB) } });
    const swap = has(id, "memory.swap.max"); // swap accounting may be compiled out
    expect([read(id, "memory.max"), read(id, "memory.low"), read(id, "memory.high")]).toEqual([String(256 * MiB), String(64 * MiB), String(200 * MiB)]);
    if (swap) expect(read(id, "memory.swap.max")).toBe(String(128 * MiB)); // swap alone: memory+swap − memory

    rt.ok(["update", "--memory", "128M", "--memory-reservation", "32M", ...(swap ? ["--memory-swap", "192M"] : []), id]);
    expect([read(id, "memory.max"), read(id, "memory.low")]).toEqual([String(128 * MiB), String(32 * MiB)]);
    if (swap) {
      expect(read(id, "memory.swap.max")).toBe(String(64 * MiB));
      rt.ok(["update", "--memory-swap", "-1", id]);
      expect(read(id, "memory.swap.max")).toBe("max");
    }
    updateWith(id, { unified: { "memory.high": "max" } });
    expect([read(id, "memory.high"), read(id, "memory.max")]).toEqual(["max", String(128 * MiB)]);
  });

  it.runIf(v2Controllers.includes("memory"))(`memory.events: an OOM kill is counted, and events --stats reports the failures${needs("memory")}`, async () => {
    // The dd's 64 MiB buffer cannot fit in 16 MiB without swap: it is killed, the shell lives on.
    const id = running({ memory: { limit: 16 * MiB, swap: 16 * MiB } }, ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1; exec sleep 100000"]);
    const events = () => Object.fromEntries(read(id, "memory.events").split("\n").map((l) => l.split(" ") as [string, string]));
    expect(await waitFor(() => Number(events().oom_kill) >= 1, 20_000)).toBe(true);
    const stats = JSON.parse(rt.ok(["events", "--stats", id]).stdout) as { data: { memory: { usage: { limit: number; failcnt?: number } } } };
    expect(stats.data.memory.usage.limit).toBe(16 * MiB);
    expect(stats.data.memory.usage.failcnt).toBe(Number(events().max));
    expect(Number(events().max)).toBeGreaterThan(0);
    expect(rt.state(id).status).toBe("running");
  });

  it.runIf(v2Controllers.includes("cpu"))(`cpu: shares → cpu.weight, quota/period → cpu.max, burst, idle; update of each${needs("cpu")}`, () => {
    const id = running({ cpu: { shares: 512, quota: 50000, period: 100000 } });
    expect([read(id, "cpu.weight"), read(id, "cpu.max")]).toEqual(["20", "50000 100000"]); // 1 + (512 − 2) × 9999 / 262142
    rt.ok(["update", "--cpu-share", "2048", "--cpu-quota", "20000", "--cpu-period", "50000", id]);
    expect([read(id, "cpu.weight"), read(id, "cpu.max")]).toEqual(["79", "20000 50000"]);
    rt.ok(["update", "--cpu-quota", "-1", id]);
    expect(read(id, "cpu.max")).toBe("max 50000");

    if (has(id, "cpu.max.burst")) {
      rt.ok(["update", "--cpu-quota", "40000", "--cpu-burst", "10000", id]);
      expect([read(id, "cpu.max"), read(id, "cpu.max.burst")]).toEqual(["40000 50000", "10000"]);
    }
    if (has(id, "cpu.idle")) {
      // SCHED_IDLE for the group; the kernel refuses weights while it is idle, so the weight
      // the resources still carry must not be written after it.
      rt.ok(["update", "--cpu-idle", "1", id]);
      expect(read(id, "cpu.idle")).toBe("1");
      rt.ok(["update", "--cpu-idle", "0", "--cpu-share", "1024", id]);
      expect([read(id, "cpu.idle"), read(id, "cpu.weight")]).toEqual(["0", "39"]);
    }
  });

  it.runIf(v2Controllers.includes("cpuset"))(`cpuset: cpus and mems, in the files and the container's affinity; update${needs("cpuset")}`, () => {
    const online = fs.readFileSync("/sys/devices/system/cpu/online", "utf8").trim();
    const last = online.split(/[-,]/).at(-1)!;
    const id = running({ cpu: { cpus: last, mems: "0" } });
    expect([read(id, "cpuset.cpus"), read(id, "cpuset.mems"), read(id, "cpuset.cpus.effective")]).toEqual([last, "0", last]);
    const allowed = () => /^Cpus_allowed_list:\s*(.*)$/m.exec(rt.ok(["exec", id, "cat", "/proc/self/status"]).stdout)?.[1];
    expect(allowed()).toBe(last);
    rt.ok(["update", "--cpuset-cpus", "0", id]);
    expect([read(id, "cpuset.cpus"), allowed()]).toEqual(["0", "0"]);
    rt.ok(["update", "--cpuset-cpus", online, id]);
    expect(read(id, "cpuset.cpus")).toBe(online);
  });

  it.runIf(v2Controllers.includes("pids"))(`pids: pids.max, enforced; update${needs("pids")}`, () => {
    const id = running({ pids: { limit: 5 } });
    expect(read(id, "pids.max")).toBe("5");
    // the init and the exec'd shell are two; three more sleeps fit, the fourth does not
    const forks = rt.skiff(["exec", id, "sh", "-c", "for i in 1 2 3 4; do sleep 100 & done 2>&1; echo started; kill $(jobs -p) 2>/dev/null"]);
    expect(forks.stdout + forks.stderr).toMatch(/[Rr]esource temporarily unavailable|can't fork/);
    rt.ok(["update", "--pids-limit", "100", id]);
    expect(read(id, "pids.max")).toBe("100");
    rt.ok(["update", "--pids-limit", "-1", id]);
    expect(read(id, "pids.max")).toBe("max");
  });

  it.runIf(v2Controllers.includes("io"))(`io: weight, and bps/iops throttles on a block device, enforced; update${needs("io")}`, (ctx) => {
    const dev = loopDevice();
    if (dev === undefined) return ctx.skip("no loop device could be made here (losetup failed)");
    const key = `${dev.major}:${dev.minor}`;
    const id = running(
      {
        blockIO: { weight: 500, throttleReadBpsDevice: [{ major: dev.major, minor: dev.minor, rate: 2 * MiB }], throttleWriteIOPSDevice: [{ major: dev.major, minor: dev.minor, rate: 100 }] },
        devices: [{ allow: true, type: "b", major: dev.major, minor: dev.minor, access: "rw" }],
      },
      ["sleep", "100000"],
      (c) => (c.linux!.devices ??= []).push({ path: "/dev/disk0", type: "b", major: dev.major, minor: dev.minor }),
    );
    // BFQ takes blkio's scale as is; io.weight gets runc's conversion 1 + (500 − 10) × 9999 / 990.
    if (has(id, "io.bfq.weight")) expect(read(id, "io.bfq.weight")).toMatch(/^default 500$/m);
    else expect(read(id, "io.weight")).toMatch(/^default 4950$/m);
    expect(read(id, "io.max")).toBe(`${key} rbps=${2 * MiB} wbps=max riops=max wiops=100`);

    // 4 MiB at 2 MiB/s, bypassing the page cache: at least ~1.5 s (the first slice is free).
    const started = Date.now();
    rt.ok(["exec", id, "dd", "if=/dev/disk0", "of=/dev/null", "bs=1M", "count=4", "iflag=direct"], { timeoutMs: 60_000 });
    expect(Date.now() - started).toBeGreaterThan(1500);

    updateWith(id, { blockIO: { weight: 100, throttleReadBpsDevice: [{ major: dev.major, minor: dev.minor, rate: 0 }], throttleReadIOPSDevice: [{ major: dev.major, minor: dev.minor, rate: 50 }] } });
    if (!has(id, "io.bfq.weight")) expect(read(id, "io.weight")).toMatch(/^default 910$/m);
    expect(read(id, "io.max")).toBe(`${key} rbps=max wbps=max riops=50 wiops=100`);
  });

  it.runIf(v2Controllers.includes("hugetlb") && hugepageSizes.length > 0)(
    `hugetlb: each size's .max and, where the kernel has it, .rsvd.max; update${needs("hugetlb")}${hugepageSizes.length ? "" : " (skipped: this kernel has no huge page sizes)"}`,
    () => {
      const size = sizeName(hugepageSizes[0]!);
      const page = hugepageSizes[0]! * 1024;
      const id = running({ hugepageLimits: [{ pageSize: size, limit: 4 * page }] });
      const rsvd = has(id, `hugetlb.${size}.rsvd.max`);
      expect(read(id, `hugetlb.${size}.max`)).toBe(String(4 * page));
      if (rsvd) expect(read(id, `hugetlb.${size}.rsvd.max`)).toBe(String(4 * page));
      updateWith(id, { hugepageLimits: [{ pageSize: size, limit: 2 * page }] });
      expect(read(id, `hugetlb.${size}.max`)).toBe(String(2 * page));
      if (rsvd) expect(read(id, `hugetlb.${size}.rsvd.max`)).toBe(String(2 * page));
    },
  );

  it.runIf(v2Controllers.includes("rdma"))(
    `rdma: rdma.max for an RDMA device${rdmaDevices.length ? "" : " (this host has none: a device that does not exist is refused with the kernel's error, leaving nothing)"}${needs("rdma")}`,
    () => {
      if (rdmaDevices.length > 0) {
        const dev = rdmaDevices[0]!;
        const id = running({ rdma: { [dev]: { hcaHandles: 3, hcaObjects: 100 } } });
        expect(read(id, "rdma.max")).toContain(`${dev} hca_handle=3 hca_object=100`);
        updateWith(id, { rdma: { [dev]: { hcaHandles: 5 } } });
        expect(read(id, "rdma.max")).toContain(`${dev} hca_handle=5`);
        return;
      }
      const id = uniqueId("res");
      const b = makeBundle(["true"], (c) => {
        c.linux!.cgroupsPath = `${parent}/${id}`;
        c.linux!.resources = { ...c.linux!.resources, rdma: { "skiff-nodev": { hcaHandles: 1 } } };
      });
      rt.trackDir(b.dir);
      const r = rt.skiff(["run", "--bundle", b.dir, id]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/linux\.resources\.rdma\.skiff-nodev: writing "skiff-nodev hca_handle=1[^"]*" to .*rdma\.max: no such device/);
      expect(fs.existsSync(dirOf(id))).toBe(false);
    },
  );

  it("unified: any file of the container's cgroup, and update", () => {
    const id = running({ unified: { "cgroup.max.descendants": "4", ...(v2Controllers.includes("pids") ? { "pids.max": "77" } : {}) } });
    expect(read(id, "cgroup.max.descendants")).toBe("4");
    if (v2Controllers.includes("pids")) expect(read(id, "pids.max")).toBe("77");
    updateWith(id, { unified: { "cgroup.max.descendants": "9" } });
    expect(read(id, "cgroup.max.descendants")).toBe("9");
  });

  it("kill --all KILL writes cgroup.kill where the kernel has it (other signals go pid by pid, frozen); a forking workload leaves nothing", async (ctx) => {
    // Without a pid namespace the init's death does not take the rest along; the sleeps inherit
    // the ignored SIGTERM.
    const id = running({}, ["sh", "-c", "trap '' TERM; while :; do sleep 1000 & sleep 0.2; done"], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "pid");
    });
    if (!has(id, "cgroup.kill")) ctx.skip("no cgroup.kill in this kernel (Linux < 5.14)");
    const procs = () => read(id, "cgroup.procs").split("\n").filter(Boolean).map(Number);
    expect(await waitFor(() => procs().length >= 4, 20_000)).toBe(true);
    const log = path.join(rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-res-"))), "log");
    const traced = (signal: string) => {
      fs.writeFileSync(log, "");
      rt.ok(["--debug", "--log", log, "kill", "--all", id, signal]);
      return fs.readFileSync(log, "utf8");
    };
    const kill = `write ${path.join(dirOf(id), "cgroup.kill")} = 1`;
    const freeze = `write ${path.join(dirOf(id), "cgroup.freeze")} = 1`;
    const term = traced("TERM");
    expect([term.includes(freeze), term.includes(kill)]).toEqual([true, false]);
    const before = procs();
    const killed = traced("KILL");
    expect([killed.includes(kill), killed.includes(freeze)]).toEqual([true, false]);
    expect(await waitFor(() => before.every((p) => !processAlive(p)) && procs().length === 0, 10_000)).toBe(true);
  });

  it("delete removes the cgroups skiff made, with what the container made inside, and nothing else", () => {
    const pre = path.join(cgroup2Mount!, parent, `pre-${process.pid}`);
    fs.mkdirSync(path.join(pre, "other"), { recursive: true });
    try {
      const id = rt.track(uniqueId("res"));
      const b = makeBundle(["sleep", "100000"], (c) => {
        c.linux!.cgroupsPath = `${parent}/pre-${process.pid}/made/${id}`;
      });
      rt.trackDir(b.dir);
      rt.ok(["run", "-d", "--bundle", b.dir, id]);
      const dir = path.join(pre, "made", id);
      expect(fs.readFileSync(`/proc/${rt.state(id).pid}/cgroup`, "utf8")).toContain(`0::${parent}/pre-${process.pid}/made/${id}`);
      fs.mkdirSync(path.join(dir, "sub")); // as a container with its own cgroup tree would
      rt.ok(["delete", "--force", id]);
      expect([fs.existsSync(path.join(pre, "made")), fs.existsSync(path.join(pre, "other")), fs.existsSync(pre)]).toEqual([false, true, true]);
    } finally {
      fs.rmdirSync(path.join(pre, "other"));
      fs.rmdirSync(pre);
    }
  });
});
