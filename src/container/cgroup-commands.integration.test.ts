// update, pause/resume, ps and events on real containers, with every effect read back from the
// host's cgroup files (found through /proc/PID/cgroup, not through skiff's own record) or seen
// in the container's behaviour.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeBundle, Runtime, SKIFF, uniqueId, waitFor } from "../testing/harness.js";
import type { Spec } from "../spec/types.js";
import { cgroupDirOf, v1Controllers } from "../testing/host.js";

const rt = new Runtime();
const eventStreams: ChildProcess[] = [];
afterAll(() => {
  for (const child of eventStreams) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rt.cleanup();
});

/** Starts a container running `args`; returns its id and bundle. */
function running(args: string[], edit?: (c: Spec) => void): { id: string; rootfs: string; pid: number } {
  const b = makeBundle(args, (c) => {
    c.root!.readonly = false;
    edit?.(c);
  });
  rt.trackDir(b.dir);
  const id = rt.track(uniqueId("cgc"));
  rt.ok(["run", "--detach", "--bundle", b.dir, id]);
  return { id, rootfs: b.rootfs, pid: rt.state(id).pid };
}

/** A file of the process's cgroup for `controller`, as the host sees it (v1 or v2). */
function cgroupFile(pid: number, controller: string, file: string): string {
  return fs.readFileSync(path.join(cgroupDirOf(pid, controller), file), "utf8").trim();
}

/** runc's update flags, in its terms: sizes in bytes, -1 unlimited; `swap` is memory+swap. */
interface Limits {
  memory?: number;
  swap?: number;
  reservation?: number;
  pids?: number;
  shares?: number;
  quota?: number;
  period?: number;
  cpus?: string;
}

/**
 * Checks the limits in the host's files as runc writes them: the v1 files where the controller
 * is on v1, else the v2 files with runc's conversions (memory.swap.max holds swap alone;
 * cpu.weight = 1 + (shares - 2) * 9999 / 262142; cpu.max is "quota period").
 */
function expectLimits(pid: number, want: Limits): void {
  const v1 = (controller: string) => v1Controllers.includes(controller);
  const size = (n: number) => (n === -1 ? (v1("memory") ? UNLIMITED_V1 : "max") : String(n));
  const check = (controller: string, v1File: string, v2File: string, v1Value: string, v2Value: string) =>
    expect(cgroupFile(pid, controller, v1(controller) ? v1File : v2File), v1(controller) ? v1File : v2File).toBe(v1(controller) ? v1Value : v2Value);
  if (want.memory !== undefined) check("memory", "memory.limit_in_bytes", "memory.max", size(want.memory), size(want.memory));
  if (want.swap !== undefined) {
    const swapAlone = want.swap === -1 ? "max" : String(want.swap - want.memory!);
    check("memory", "memory.memsw.limit_in_bytes", "memory.swap.max", size(want.swap), swapAlone);
  }
  if (want.reservation !== undefined) check("memory", "memory.soft_limit_in_bytes", "memory.low", String(want.reservation), String(want.reservation));
  if (want.pids !== undefined) check("pids", "pids.max", "pids.max", want.pids === -1 ? "max" : String(want.pids), want.pids === -1 ? "max" : String(want.pids));
  if (want.shares !== undefined) check("cpu", "cpu.shares", "cpu.weight", String(want.shares), String(1 + Math.floor(((want.shares - 2) * 9999) / 262142)));
  if (want.quota !== undefined) check("cpu", "cpu.cfs_quota_us", "cpu.max", String(want.quota), `${want.quota} ${want.period}`);
  if (want.period !== undefined && v1("cpu")) expect(cgroupFile(pid, "cpu", "cpu.cfs_period_us")).toBe(String(want.period)); // v2: in cpu.max
  if (want.cpus !== undefined) check("cpuset", "cpuset.cpus", "cpuset.cpus", want.cpus, want.cpus);
}

/** The memory limit file's content, whichever version holds the memory controller. */
function memoryLimit(pid: number): string {
  return cgroupFile(pid, "memory", v1Controllers.includes("memory") ? "memory.limit_in_bytes" : "memory.max");
}

function savedResources(id: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(rt.root, id, "state.json"), "utf8")).cgroups.resources;
}

const MiB = 1024 * 1024;
const UNLIMITED_V1 = "9223372036854771712";

describe("update", () => {
  it("applies runc's flags, merges later updates into earlier ones, and records the result", () => {
    const { id, pid } = running(["sleep", "600"]);
    rt.ok(["update", "--memory", "64m", "--memory-swap", "128M", "--memory-reservation", "16MiB", "--pids-limit", "20", "--cpu-shares", "512", "--cpu-quota", "50000", "--cpu-period", "100000", "--cpuset-cpus", "0", id]);
    expectLimits(pid, { memory: 64 * MiB, swap: 128 * MiB, reservation: 16 * MiB, pids: 20, shares: 512, quota: 50000, period: 100000, cpus: "0" });

    // runc's --cpu-share spelling; the other limits stay as they were.
    rt.ok(["update", "--memory", "96m", "--cpu-share", "256", id]);
    expectLimits(pid, { memory: 96 * MiB, shares: 256, pids: 20 });
    expect(savedResources(id)).toMatchObject({ memory: { limit: 96 * MiB, swap: 128 * MiB, reservation: 16 * MiB }, pids: { limit: 20 }, cpu: { shares: 256, quota: 50000, cpus: "0" } });

    // An unlimited memory limit with no swap given lifts the swap limit too (runc's rule).
    rt.ok(["update", "--memory", "-1", "--pids-limit", "-1", id]);
    expectLimits(pid, { memory: -1, swap: -1, pids: -1 });

    const warned = rt.ok(["update", "--kernel-memory", "10m", id]);
    expect(warned.stderr).toContain("--kernel-memory is ignored");
  });

  it("reads --resources from a file and from stdin, validates it, and then ignores the flags", () => {
    const { id, pid } = running(["sleep", "600"]);
    const file = path.join(rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-res-"))), "resources.json");
    // podman sends the whole resources object back, devices included: runc leaves those alone.
    // (v1 shows the device list in devices.list; v2 keeps it in an eBPF program, tested elsewhere)
    const devicesBefore = v1Controllers.includes("devices") ? cgroupFile(pid, "devices", "devices.list") : undefined;
    fs.writeFileSync(file, JSON.stringify({ devices: [{ allow: false, access: "rwm" }], memory: { limit: 48 * MiB }, pids: { limit: 30 } }));
    rt.ok(["update", "--resources", file, "--pids-limit", "99", id]);
    expectLimits(pid, { memory: 48 * MiB, pids: 30 });
    if (devicesBefore !== undefined) expect(cgroupFile(pid, "devices", "devices.list")).toBe(devicesBefore);

    rt.ok(["update", "-r", "-", id], { input: JSON.stringify({ cpu: { shares: 300 }, pids: { limit: 40 } }) });
    expectLimits(pid, { shares: 300, pids: 40, memory: 48 * MiB });

    const invalid = rt.skiff(["update", "-r", "-", id], { input: JSON.stringify({ pids: { limit: "many" } }) });
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toContain("/pids/limit");
    const missing = rt.skiff(["update", "-r", path.join(rt.root, "no-such.json"), id]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("no such file or directory");
    expectLimits(pid, { pids: 40 });
  });

  it("refuses bad sizes and the Intel RDT flags without touching the cgroup", () => {
    const { id, pid } = running(["sleep", "600"]);
    const before = memoryLimit(pid);
    const badSize = rt.skiff(["update", "--memory", "12x", id]);
    expect(badSize.status).toBe(1);
    expect(badSize.stderr).toContain("invalid size: '12x'");
    const rdt = rt.skiff(["update", "--memory", "64m", "--l3-cache-schema", "L3:0=ff", id]);
    expect(rdt.status).toBe(1);
    expect(rdt.stderr).toContain("Intel RDT");
    expect(memoryLimit(pid)).toBe(before);
  });
});

describe("update and the device rules", () => {
  it("a device linux.devices adds stays denied under deny-all, and updates never deny /dev/null meanwhile", async () => {
    const { id, rootfs } = running(["sh", "-c", "while true; do echo x > /dev/null || echo denied >> /tmp/errors; done"], (c) => {
      c.linux!.devices = [{ path: "/dev/kmsg", type: "c", major: 1, minor: 11 }];
      for (const set of ["bounding", "effective", "permitted"] as const) c.process!.capabilities![set]!.push("CAP_SYSLOG");
    });
    const kmsg = rt.skiff(["exec", id, "head", "-c", "1", "/dev/kmsg"]);
    expect(kmsg.status).not.toBe(0);
    expect(kmsg.stderr).toContain("Operation not permitted");
    for (let i = 0; i < 30; i++) rt.ok(["update", "--pids-limit", String(100 + i), id]);
    rt.ok(["update", "--resources", "-", id], { input: JSON.stringify({ devices: [{ allow: false, access: "rwm" }] }) });
    expect(fs.existsSync(path.join(rootfs, "tmp/errors"))).toBe(false);
  });
});

describe("pause and resume", () => {
  it("freeze a counting container, state says paused, and resume lets it count again", async () => {
    const { id, rootfs } = running(["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done"]);
    const count = () => Number(fs.readFileSync(path.join(rootfs, "tmp/count"), "utf8").trim() || 0);
    expect(await waitFor(() => fs.existsSync(path.join(rootfs, "tmp/count")) && count() > 2)).toBe(true);

    rt.ok(["pause", id]);
    expect(rt.state(id).status).toBe("paused");
    const frozenAt = count();
    await new Promise((r) => setTimeout(r, 500));
    expect(count()).toBe(frozenAt);
    const again = rt.skiff(["pause", id]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("container not running");

    rt.ok(["resume", id]);
    expect(rt.state(id).status).toBe("running");
    expect(await waitFor(() => count() > frozenAt + 2)).toBe(true);
    const notPaused = rt.skiff(["resume", id]);
    expect(notPaused.status).toBe(1);
    expect(notPaused.stderr).toContain("container not paused");
  });

  it("a created container may be paused and resumed (runc allows it), then started", async () => {
    const b = makeBundle(["sh", "-c", "touch /tmp/started; sleep 600"], (c) => {
      c.root!.readonly = false;
    });
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("cgc"));
    rt.ok(["create", "--bundle", b.dir, id]);
    rt.ok(["pause", id]);
    rt.ok(["resume", id]);
    expect(rt.skiff(["resume", id]).stderr).toContain("container not paused");
    rt.ok(["start", id]);
    expect(await waitFor(() => fs.existsSync(path.join(b.rootfs, "tmp/started")))).toBe(true);
    expect(rt.state(id).status).toBe("running");
  });

  it("kill of a paused container: SIGKILL kills it (thawed after signalling); TERM waits for resume", async () => {
    const killed = running(["sleep", "600"]);
    rt.ok(["pause", killed.id]);
    rt.ok(["kill", killed.id, "KILL"]);
    expect(await waitFor(() => rt.state(killed.id).status === "stopped", 5000)).toBe(true);
    rt.ok(["delete", killed.id]);

    const termed = running(["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]);
    rt.ok(["pause", termed.id]);
    rt.ok(["kill", termed.id, "TERM"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(rt.state(termed.id).status).toBe("paused");
    rt.ok(["resume", termed.id]);
    expect(await waitFor(() => rt.state(termed.id).status === "stopped", 5000)).toBe(true);

    const all = running(["sh", "-c", "sleep 600 & sleep 600 & wait"]);
    rt.ok(["pause", all.id]);
    rt.ok(["kill", "--all", all.id, "KILL"]);
    expect(await waitFor(() => rt.state(all.id).status === "stopped", 5000)).toBe(true);
    expect(JSON.parse(rt.ok(["ps", "--format", "json", all.id]).stdout)).toEqual([]);
    rt.ok(["kill", "--all", all.id, "0"]); // runc accepts signal 0 (a probe), also once stopped
  });

  it("exec into a paused container fails at once with runc's message and status 255", () => {
    const { id } = running(["sleep", "600"]);
    rt.ok(["pause", id]);
    const r = rt.skiff(["exec", id, "true"], { timeoutMs: 10_000 });
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("exec failed: cannot exec in a paused container");
    rt.ok(["resume", id]);
  });

  it("delete --force removes a paused container", async () => {
    const { id, pid } = running(["sleep", "600"]);
    rt.ok(["pause", id]);
    rt.ok(["delete", "--force", id]);
    expect(await waitFor(() => !fs.existsSync(`/proc/${pid}`))).toBe(true);
  });
});

describe("a pids limit of 1", () => {
  it("is the init alone: it runs, and only its own forks fail (skiff-init's set-up does not count)", () => {
    const b = makeBundle(["sh", "-c", "echo started; (true) || echo fork-refused"], (c) => {
      c.linux!.resources = { ...c.linux!.resources, pids: { limit: 1 } };
    });
    rt.trackDir(b.dir);
    const r = rt.skiff(["run", "--bundle", b.dir, rt.track(uniqueId("cgc"))]);
    expect(r.stdout).toBe("started\n");
    expect(r.stderr).toContain("can't fork");
  });
});

describe("a cgroup that already exists", () => {
  it("a second container in it is a warning; a frozen one fails create at once (runc's checks)", () => {
    const cgroupsPath = uniqueId("shared-cg");
    const first = running(["sleep", "600"], (c) => (c.linux!.cgroupsPath = cgroupsPath));
    const b = makeBundle(["sleep", "600"], (c) => (c.linux!.cgroupsPath = cgroupsPath));
    rt.trackDir(b.dir);
    const second = rt.skiff(["run", "--detach", "--bundle", b.dir, rt.track(uniqueId("cgc"))]);
    expect(second.status).toBe(0);
    expect(second.stderr).toContain("container's cgroup is not empty: 1 process(es) found");

    rt.ok(["pause", first.id]); // freezes the shared cgroup
    const third = rt.track(uniqueId("cgc"));
    const frozen = rt.skiff(["create", "--bundle", b.dir, third], { timeoutMs: 10_000 });
    expect(frozen.status).toBe(1);
    expect(frozen.stderr).toContain("container's cgroup unexpectedly frozen");
    expect(rt.skiff(["state", third]).status).toBe(1);
    rt.ok(["resume", first.id]);
  });
});

describe("ps", () => {
  it("json lists the init and its child; the table keeps ps's header and only their lines", async () => {
    const { id, pid } = running(["sh", "-c", "sleep 600 & wait"]);
    let pids: number[] = [];
    expect(
      await waitFor(() => {
        pids = JSON.parse(rt.ok(["ps", "--format", "json", id]).stdout) as number[];
        return pids.length === 2;
      }),
    ).toBe(true);
    expect(pids).toContain(pid);
    const child = pids.find((p) => p !== pid)!;
    expect(fs.readFileSync(`/proc/${child}/comm`, "utf8").trim()).toBe("sleep");

    const table = rt.ok(["ps", id]).stdout.trimEnd().split("\n");
    expect(table[0]).toMatch(/^UID\s+PID\s+PPID/);
    expect(table).toHaveLength(3);
    expect(table.some((l) => l.includes("sleep 600"))).toBe(true);

    const custom = rt.ok(["ps", id, "--", "-o", "pid,comm"]).stdout.trimEnd().split("\n");
    expect(custom[0]!.trim().split(/\s+/)).toEqual(["PID", "COMMAND"]);
    expect(custom.slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).sort()).toEqual([...pids].sort());
  });
});

describe("events", () => {
  it("--stats prints one stats event in runc's shape", () => {
    const { id } = running(["sh", "-c", "sleep 600 & wait"], (c) => {
      c.linux!.resources = { ...c.linux!.resources, memory: { limit: 64 * MiB }, pids: { limit: 50 } };
    });
    const out = rt.ok(["events", "--stats", id]).stdout;
    expect(out.trimEnd().split("\n")).toHaveLength(1);
    const event = JSON.parse(out) as { type: string; id: string; data: Record<string, Record<string, unknown>> };
    expect(event.type).toBe("stats");
    expect(event.id).toBe(id);
    expect(Object.keys(event.data)).toEqual(expect.arrayContaining(["cpu", "memory", "pids", "blkio", "hugetlb"]));
    expect(event.data.pids).toEqual({ current: 2, limit: 50 });
    expect((event.data.memory!.usage as { limit: number }).limit).toBe(64 * MiB);
    expect(event.data.cpu!.usage).toHaveProperty("total");
  });

  it("streams stats, reports an OOM kill, and ends with the container", async () => {
    const b = makeBundle(["sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 600"], (c) => {
      c.linux!.resources = { ...c.linux!.resources, memory: { limit: 32 * MiB, swap: 32 * MiB } };
    });
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("cgc"));
    rt.ok(["create", "--bundle", b.dir, id]);

    const stream = spawn(SKIFF, ["--root", rt.root, "events", "--interval", "200ms", id], { stdio: ["ignore", "pipe", "pipe"] });
    eventStreams.push(stream);
    let out = "";
    stream.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => stream.on("exit", (code) => resolve(code)));
    const events = () => out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; id: string });

    // Started only once the stream is watching, so the OOM kill cannot fall before it.
    expect(await waitFor(() => events().some((e) => e.type === "stats"), 5000)).toBe(true);
    rt.ok(["start", id]);
    expect(await waitFor(() => events().some((e) => e.type === "oom"), 10_000)).toBe(true);
    expect(events().find((e) => e.type === "oom")).toEqual({ type: "oom", id });
    expect(events().every((e) => e.id === id)).toBe(true);

    rt.ok(["kill", id, "KILL"]);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 5000))]);
    expect(code).toBe(0);
  });
});

describe("errors", () => {
  it("unknown containers are named; stopped ones cannot be updated, paused or watched", async () => {
    for (const args of [["update", "--memory", "64m"], ["pause"], ["resume"], ["ps"], ["events", "--stats"], ["events"]]) {
      const r = rt.skiff([...args, "no-such-container"]);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toContain("container no-such-container does not exist");
    }

    const { id } = running(["true"]);
    expect(await waitFor(() => rt.state(id).status === "stopped")).toBe(true);
    const expected: [string[], string][] = [
      [["update", "--memory", "64m"], "container not running"],
      [["pause"], "container not running"],
      [["resume"], "container not paused"],
      [["events", "--stats"], "is not running"],
      [["events"], "is not running"],
    ];
    for (const [args, message] of expected) {
      const r = rt.skiff([...args, id]);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toContain(message);
    }
    // runc answers ps for a stopped container with no processes (null) rather than an error.
    expect(JSON.parse(rt.ok(["ps", "--format", "json", id]).stdout)).toEqual([]);
  });
});
