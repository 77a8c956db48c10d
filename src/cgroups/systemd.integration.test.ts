// The systemd cgroup driver (--systemd-cgroup) with real containers and the real systemd: the
// transient unit's name, slice and properties as `systemctl show` reports them, the cgroup's
// files, update, pause, and delete stopping the unit. Runs where systemd is PID 1: on a pure
// cgroup v2 host (the test guest; see docs/test-guest.md) and on a v1/hybrid one (the guest with
// `--cgroups hybrid`), each its own block; skipped elsewhere. Where runc is installed, the same
// config under runc's systemd driver must give the same unit properties.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Spec } from "../spec/types.js";
import { makeBundle, Runtime, uniqueId } from "../testing/harness.js";
import { cgroup2Mount, cgroupDirOf, cgroupMode, systemdOnV1, systemdRunning, v1Controllers } from "../testing/host.js";
import { isRoot } from "./testing.js";

const rt = new Runtime();
const units: string[] = [];
afterAll(() => {
  rt.cleanup();
  // A unit a failed test left: stop it and let systemd forget it.
  for (const unit of units) {
    spawnSync("systemctl", ["stop", unit]);
    spawnSync("systemctl", ["reset-failed", unit]);
  }
});

const SHOWN = [
  "Slice", "ControlGroup", "Delegate", "MemoryMax", "MemoryLow", "MemorySwapMax", "TasksMax", "CPUWeight", "CPUQuotaPerSecUSec", "CPUQuotaPeriodUSec",
  "AllowedCPUs", "AllowedMemoryNodes", "IOWeight", "MemoryAccounting", "TasksAccounting", "DevicePolicy", "DeviceAllow", "TimeoutStopUSec", "CollectMode",
];

/** `systemctl show`'s values; a list property (DeviceAllow) shows once per entry, joined here with "; ". */
function show(unit: string, props = SHOWN): Record<string, string> {
  const r = spawnSync("systemctl", ["show", unit, ...props.map((p) => `--property=${p}`)], { encoding: "utf8" });
  const out: Record<string, string> = {};
  for (const line of r.stdout.trim().split("\n").filter((l) => l.includes("="))) {
    const [key, value] = [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)];
    out[key] = out[key] === undefined || out[key] === "" ? value : `${out[key]}; ${value}`;
  }
  return out;
}

function unitState(unit: string): string {
  const s = show(unit, ["LoadState", "ActiveState"]);
  return `${s.LoadState}/${s.ActiveState}`;
}

const cpus = fs.readFileSync("/sys/devices/system/cpu/online", "utf8").trim();

// runc's org.systemd.property.* annotations: a documented Sec name (converted to its USec
// property) and a string.
const ANNOTATIONS = { "org.systemd.property.TimeoutStopSec": "7", "org.systemd.property.CollectMode": "'inactive-or-failed'" };

function limitedBundle(cgroupsPath: string | undefined): ReturnType<typeof makeBundle> {
  const b = makeBundle(["sleep", "1000"], (c: Spec) => {
    c.linux!.cgroupsPath = cgroupsPath;
    c.linux!.resources = {
      ...c.linux!.resources,
      memory: { limit: 128 * 1024 * 1024, reservation: 32 * 1024 * 1024, swap: 256 * 1024 * 1024 },
      pids: { limit: 42 },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus, mems: "0" },
    };
    c.annotations = { ...c.annotations, ...ANNOTATIONS };
  });
  rt.trackDir(b.dir);
  return b;
}

/** runc with its stderr in a file: a detached container keeps runc's stdio, so no pipes. */
function runcCall(root: string, args: string[]): { status: number | null; stderr: string } {
  const file = path.join(root, "stderr");
  const fd = fs.openSync(file, "w+");
  try {
    const r = spawnSync("runc", ["--root", root, ...args], { stdio: ["ignore", "ignore", fd], timeout: 60_000 });
    return { status: r.status, stderr: fs.readFileSync(file, "utf8") };
  } finally {
    fs.closeSync(fd);
  }
}

/** A detached container of limitedBundle's in its own skiff-test-<id>.scope of system.slice. */
function runLimited(prefix: string): { id: string; unit: string } {
  const id = rt.track(uniqueId(prefix));
  const unit = `skiff-test-${id}.scope`;
  units.push(unit);
  const b = limitedBundle(`system.slice:skiff-test:${id}`);
  rt.ok(["--systemd-cgroup", "run", "-d", "--bundle", b.dir, id]);
  return { id, unit };
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8").trim();

describe.runIf(isRoot && systemdRunning)("the systemd cgroup driver", () => {
  it("starts a transient scope with the resources as properties; update, pause, delete stop it", () => {
    const { id, unit } = runLimited("sd");
    const props = show(unit);
    expect(props).toMatchObject({
      Slice: "system.slice",
      ControlGroup: `/system.slice/${unit}`,
      Delegate: "yes",
      MemoryMax: String(128 * 1024 * 1024),
      MemoryLow: String(32 * 1024 * 1024),
      TasksMax: "42",
      CPUWeight: "20", // shares 512 → weight, runc's conversion
      CPUQuotaPerSecUSec: "500ms",
      CPUQuotaPeriodUSec: "100ms",
      MemoryAccounting: "yes",
      TasksAccounting: "yes",
      MemorySwapMax: String(128 * 1024 * 1024), // swap alone: memory+swap − memory
      AllowedCPUs: cpus,
      AllowedMemoryNodes: "0",
      TimeoutStopUSec: "7s",
      CollectMode: "inactive-or-failed",
      DevicePolicy: "strict",
    });
    // The config's device rules (deny all, then runc's defaults) as systemd's allow list.
    expect(props.DeviceAllow!.split("; ")).toEqual(expect.arrayContaining(["block-* m", "char-* m", "/dev/char/1:3 rwm", "/dev/char/5:2 rwm", "char-pts rwm"]));
    const dir = path.join(cgroup2Mount!, "system.slice", unit);
    expect(fs.readFileSync(`/proc/${rt.state(id).pid}/cgroup`, "utf8")).toContain(`0::/system.slice/${unit}`);
    expect([read(dir, "memory.max"), read(dir, "memory.low"), read(dir, "pids.max"), read(dir, "cpu.max"), read(dir, "cpu.weight")]).toEqual([
      String(128 * 1024 * 1024),
      String(32 * 1024 * 1024),
      "42",
      "50000 100000",
      "20",
    ]);

    // exec joins the scope's cgroup (its cgroup namespace root, if it has one) through cgroupfs
    const inside = rt.ok(["exec", id, "cat", "/proc/self/cgroup"]).stdout.trim();
    expect(["0::/", `0::/system.slice/${unit}`]).toContain(inside);

    rt.ok(["update", "--memory", "64M", "--memory-swap", "96M", "--memory-reservation", "16M", "--pids-limit", "17", "--cpu-quota", "20000", "--cpu-share", "1024", "--cpuset-cpus", "0", "--blkio-weight", "500", id]);
    expect(show(unit)).toMatchObject({
      MemoryMax: String(64 * 1024 * 1024),
      MemorySwapMax: String(32 * 1024 * 1024),
      MemoryLow: String(16 * 1024 * 1024),
      TasksMax: "17",
      CPUQuotaPerSecUSec: "200ms",
      CPUWeight: "39",
      AllowedCPUs: "0",
      IOWeight: "4950", // blkio 500 → io weight, runc's conversion
      TimeoutStopUSec: "7s", // annotations are the unit's from its start; update leaves them
    });
    expect([read(dir, "memory.max"), read(dir, "pids.max"), read(dir, "cpu.max")]).toEqual([String(64 * 1024 * 1024), "17", "20000 100000"]);

    rt.ok(["pause", id]);
    expect(read(dir, "cgroup.freeze")).toBe("1");
    expect(rt.state(id).status).toBe("paused");
    rt.ok(["resume", id]);
    expect(read(dir, "cgroup.freeze")).toBe("0");

    rt.ok(["kill", id, "KILL"]);
    for (let i = 0; i < 100 && rt.state(id).status !== "stopped"; i++) spawnSync("sleep", ["0.05"]);
    rt.ok(["delete", id]);
    expect(unitState(unit)).toMatch(/^not-found\/inactive$|\/inactive$/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("with no cgroupsPath makes runc-<id>.scope in system.slice, as runc does", () => {
    const id = rt.track(uniqueId("sd"));
    const unit = `runc-${id}.scope`;
    units.push(unit);
    const b = limitedBundle(undefined);
    rt.ok(["--systemd-cgroup", "run", "-d", "--bundle", b.dir, id]);
    expect(show(unit, ["Slice", "ControlGroup", "ActiveState"])).toEqual({ Slice: "system.slice", ControlGroup: `/system.slice/${unit}`, ActiveState: "active" });
    rt.ok(["delete", "--force", id]);
    expect(unitState(unit)).toMatch(/\/inactive$/);
  });

  it("refuses a cgroupsPath not of the form slice:prefix:name with runc's message, leaving nothing", () => {
    const id = uniqueId("sd");
    const b = limitedBundle("/not/systemd");
    const r = rt.skiff(["--systemd-cgroup", "create", "--bundle", b.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/not/systemd" instead');
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
  });

  it("refuses a unit's cgroup that is already there and frozen, and leaves it as it was (runc's check)", () => {
    const id = uniqueId("sd");
    const dir = path.join(cgroup2Mount!, "system.slice", `skiff-test-${id}.scope`);
    fs.mkdirSync(dir);
    try {
      fs.writeFileSync(path.join(dir, "cgroup.freeze"), "1");
      const b = limitedBundle(`system.slice:skiff-test:${id}`);
      // Twice: the first refusal must not have removed (or thawed) the cgroup the second one sees.
      for (const attempt of ["a", "b"]) {
        const r = rt.skiff(["--systemd-cgroup", "create", "--bundle", b.dir, rt.track(`${id}-${attempt}`)], { timeoutMs: 30_000 });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("container's cgroup unexpectedly frozen");
      }
      expect(read(dir, "cgroup.freeze")).toBe("1");
    } finally {
      fs.rmdirSync(dir);
    }
  });

  it.runIf(runcInstalled)("gives the unit the same properties runc's systemd driver does for the same config", () => sameUnitAsRunc(SHOWN));
});

const runcInstalled = spawnSync("runc", ["--version"]).status === 0;

/** The same config run by skiff and by runc, each with the systemd driver: `props` must match. */
function sameUnitAsRunc(props: string[]): void {
  const runcRoot = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-runc-root-")));
  const shown: Record<string, string>[] = [];
  for (const [name, cmd] of [
    ["skiff", (args: string[]) => rt.skiff(args)],
    ["runc", (args: string[]) => runcCall(runcRoot, args)],
  ] as const) {
    const id = uniqueId(`cmp-${name}`);
    const unit = `cmp-${id}.scope`;
    units.push(unit);
    const b = limitedBundle(`system.slice:cmp:${id}`);
    const r = cmd(["--systemd-cgroup", "run", "-d", "--bundle", b.dir, id]);
    expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    const values = show(unit, props);
    shown.push({ ...values, ControlGroup: values.ControlGroup!.replace(id, "ID") });
    cmd(["--systemd-cgroup", "delete", "--force", id]);
    expect(unitState(unit), name).toMatch(/\/inactive$/);
  }
  expect(shown[0]).toEqual(shown[1]);
}

// systemd's v1 names for what the v2 block checks (it translates neither way for these).
const SHOWN_V1 = [
  "Slice", "ControlGroup", "Delegate", "MemoryLimit", "TasksMax", "CPUShares", "CPUQuotaPerSecUSec", "CPUQuotaPeriodUSec", "AllowedCPUs", "AllowedMemoryNodes",
  "BlockIOWeight", "MemoryAccounting", "TasksAccounting", "BlockIOAccounting", "DevicePolicy", "DeviceAllow", "TimeoutStopUSec", "CollectMode",
];

describe.runIf(isRoot && systemdOnV1)(`the systemd cgroup driver on a v1 or hybrid host (${cgroupMode})`, () => {
  it("starts the unit with v1 properties, places the init in it on every hierarchy; update, pause, delete", () => {
    const { id, unit } = runLimited("sd1");
    expect(show(unit, SHOWN_V1)).toMatchObject({
      Slice: "system.slice",
      ControlGroup: `/system.slice/${unit}`,
      MemoryLimit: String(128 * 1024 * 1024),
      TasksMax: "42",
      CPUShares: "512",
      CPUQuotaPerSecUSec: "500ms",
      MemoryAccounting: "yes",
      BlockIOAccounting: "yes",
      AllowedCPUs: cpus,
      TimeoutStopUSec: "7s",
      DevicePolicy: "strict",
    });
    // systemd made the unit's cgroup in the hierarchies it runs, skiff in the others (cpuset,
    // freezer, net_cls…): the init is in the unit's cgroup on every one.
    const pid = rt.state(id).pid;
    const lines = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
    expect(lines.filter((l) => !l.endsWith(`:/system.slice/${unit}`))).toEqual([]);
    const dir = (controller: string) => cgroupDirOf(pid, controller);
    const dirs = [...new Set(v1Controllers.map(dir))];
    expect([read(dir("memory"), "memory.limit_in_bytes"), read(dir("memory"), "memory.soft_limit_in_bytes"), read(dir("pids"), "pids.max"), read(dir("cpu"), "cpu.shares"), read(dir("cpu"), "cpu.cfs_quota_us"), read(dir("cpuset"), "cpuset.cpus")]).toEqual([
      String(128 * 1024 * 1024),
      String(32 * 1024 * 1024),
      "42",
      "512",
      "50000",
      cpus,
    ]);
    expect(rt.ok(["exec", id, "cat", "/proc/self/cgroup"]).stdout.trim().split("\n").filter((l) => !l.endsWith(`:/system.slice/${unit}`) && !l.endsWith(":/"))).toEqual([]);

    rt.ok(["update", "--memory", "64M", "--pids-limit", "17", "--cpu-share", "1024", id]);
    expect(show(unit, ["MemoryLimit", "TasksMax", "CPUShares", "TimeoutStopUSec"])).toEqual({ MemoryLimit: String(64 * 1024 * 1024), TasksMax: "17", CPUShares: "1024", TimeoutStopUSec: "7s" });
    expect([read(dir("memory"), "memory.limit_in_bytes"), read(dir("pids"), "pids.max"), read(dir("cpu"), "cpu.shares")]).toEqual([String(64 * 1024 * 1024), "17", "1024"]);

    rt.ok(["pause", id]);
    expect(read(dir("freezer"), "freezer.state")).toBe("FROZEN");
    expect(rt.state(id).status).toBe("paused");
    rt.ok(["resume", id]);
    expect(read(dir("freezer"), "freezer.state")).toBe("THAWED");

    rt.ok(["delete", "--force", id]);
    expect(unitState(unit)).toMatch(/\/inactive$/);
    expect(dirs.filter((d) => fs.existsSync(d))).toEqual([]);
  });

  it("update denies no device while systemd rewrites the device rules (the container is frozen meanwhile)", () => {
    const id = rt.track(uniqueId("sd1"));
    units.push(`runc-${id}.scope`);
    // Every failed open of /dev/null is counted in /denied (the rootfs is a host directory).
    const b = makeBundle(["sh", "-c", "while :; do if ! true >/dev/null; then echo x >>/denied; fi; done 2>/dev/null"], (c: Spec) => {
      c.root!.readonly = false;
    });
    rt.trackDir(b.dir);
    rt.ok(["--systemd-cgroup", "run", "-d", "--bundle", b.dir, id]);
    // Each update sends the device rules again, as runc's does.
    for (let i = 0; i < 10; i++) rt.ok(["update", "--pids-limit", String(30 + i), id]);
    expect(fs.existsSync(path.join(b.rootfs, "denied")) ? fs.readFileSync(path.join(b.rootfs, "denied"), "utf8").length : 0).toBe(0);
    expect(rt.state(id).status).toBe("running"); // thawed again
    rt.ok(["delete", "--force", id]);
  });

  it("refuses a rootless container with one clear error, leaving nothing", () => {
    const id = uniqueId("sd1");
    const b = limitedBundle(undefined);
    const r = rt.skiff(["--systemd-cgroup", "--rootless", "true", "create", "--bundle", b.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`a rootless container needs a cgroup v2 host (this one is ${cgroupMode})`);
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
  });

  it.runIf(runcInstalled)("gives the unit the same properties runc's systemd driver does for the same config", () => sameUnitAsRunc(SHOWN_V1));
});
