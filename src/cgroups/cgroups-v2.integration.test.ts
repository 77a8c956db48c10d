// The cgroup v2 code path, on any host. A helper process mounts a cgroup2 hierarchy in its own
// private mount namespace (the host's mounts stay as they are); the test reaches that mount
// through /proc/<helper>/root and gives it to the manager as its root. cgroup2 is one tree per
// machine, so this is the tree the host shows at /sys/fs/cgroup/unified (hybrid: no controllers
// but hugetlb, which the tests never enable) or /sys/fs/cgroup (pure v2: all of them).
// Placement, cgroup.procs, the freezer, the core unified keys and the eBPF device program are
// real either way; relative paths land beside this process's own cgroup (under its parent), as
// runc puts them on a v2 host.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LinuxResources } from "../spec/types.js";
import { createCgroupManager, type CgroupManager } from "./index.js";
import { deviceProgramCount } from "./device-program.js";
import { cgroup2Mount, cgroup2MountCommand, ownCgroup2, v2Controllers } from "../testing/host.js";
import { PYTHON, cgroupLines, errorOf, delay, eventually, firstLine, isRoot, removeCgroups, start, startCounter, stopAll, type Started } from "./testing.js";

const group = `skiff-v2-${process.pid}`;
const base = path.dirname(ownCgroup2()); // where a relative cgroupsPath goes
const managers: CgroupManager[] = [];
let holder: Started | undefined;
let mountDir = "";
let root = "";

beforeAll(async () => {
  if (!isRoot) return;
  mountDir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-cgroup2-"));
  holder = start("unshare", ["-m", "--propagation", "private", "sh", "-c", `${cgroup2MountCommand(mountDir)} && echo ready && exec sleep 1000`]);
  expect(await firstLine(holder)).toBe("ready");
  root = `/proc/${holder.pid}/root${mountDir}`;
});

afterEach(() => removeCgroups(managers)); // while the helper still holds the mount

afterAll(async () => {
  await stopAll(); // the helper: its mount namespace, and the mount, go with it
  if (mountDir) fs.rmdirSync(mountDir);
});

function newManager(id: string): CgroupManager {
  const m = createCgroupManager({ id, cgroupsPath: `${group}/${id}`, root, mountinfo: "" });
  managers.push(m);
  return m;
}

/** Opens each "path:mode" from a process inside the cgroup; "ok" or the errno name for each. */
async function tryOpen(m: CgroupManager, opens: string[]): Promise<string[]> {
  const script = [
    "import errno, sys",
    "sys.stdin.readline()",
    "out = []",
    "for spec in sys.argv[1:]:",
    "    p, mode = spec.split(':')",
    "    try:",
    "        open(p, mode + 'b', buffering=0).close()",
    "        out.append('ok')",
    "    except OSError as e:",
    "        out.append(errno.errorcode[e.errno])",
    "print(' '.join(out), flush=True)",
  ].join("\n");
  const p = start(PYTHON, ["-c", script, ...opens], { stdin: true });
  await m.apply(p.pid);
  p.child.stdin!.write("go\n");
  const line = await firstLine(p);
  await p.exited;
  return line.split(" ");
}

describe.runIf(isRoot)("cgroups v2 (a private cgroup2 mount)", () => {
  it("leaves the host's own mounts alone", () => {
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(mountDir);
    expect(fs.readFileSync(`/proc/${holder!.pid}/mountinfo`, "utf8")).toContain(`${mountDir} `);
  });

  it("places the cgroup under the root, moves a process in and removes what it made", async () => {
    const m = newManager("place");
    expect(m.mode).toBe("v2");
    expect(m.saved.paths).toEqual({ "": path.join(root, base, group, "place") });
    expect(m.hierarchies()).toEqual([{ name: "", dir: path.join(root, base, group, "place"), controllers: [] }]);
    await m.create();
    expect(m.saved.created).toEqual([path.join(root, base, group), path.join(root, base, group, "place")]);
    // The same tree the host shows at its own cgroup2 mount.
    expect(fs.existsSync(path.join(cgroup2Mount!, base, group, "place"))).toBe(true);

    const sleeper = start("sleep", ["1000"]);
    await m.apply(sleeper.pid);
    expect(fs.readFileSync(path.join(m.saved.paths[""]!, "cgroup.procs"), "utf8").trim()).toBe(String(sleeper.pid));
    expect(cgroupLines(sleeper.pid)).toContain(`0::${path.join(base, group, "place")}`);
    expect(m.pids()).toEqual([sleeper.pid]);

    process.kill(sleeper.pid, "SIGKILL");
    await sleeper.exited;
    managers.splice(managers.indexOf(m), 1);
    await m.destroy();
    expect(fs.existsSync(path.join(root, base, group))).toBe(false);
  });

  it("writes unified keys and refuses bad ones with the key in the message", async () => {
    const m = newManager("keys");
    await m.create();
    m.set({ unified: { "cgroup.max.descendants": "3", "cgroup.max.depth": "2" } });
    const dir = m.saved.paths[""]!;
    expect(fs.readFileSync(path.join(dir, "cgroup.max.descendants"), "utf8").trim()).toBe("3");
    expect(fs.readFileSync(path.join(dir, "cgroup.max.depth"), "utf8").trim()).toBe("2");
    expect(m.saved.resources?.unified).toEqual({ "cgroup.max.descendants": "3", "cgroup.max.depth": "2" });

    expect(errorOf(() => m.set({ unified: { "../cgroup.procs": "1" } })).message).toMatch(/unified\["\.\.\/cgroup\.procs"\]: a unified key must be a file name/);
    expect(errorOf(() => m.set({ unified: { "cgroup.nonexistent": "1" } })).message).toBe('linux.resources.unified["cgroup.nonexistent"]: no such cgroup file');
    expect(errorOf(() => m.set({ unified: { "cgroup.max.depth": "many" } })).message).toMatch(/^linux\.resources\.unified\["cgroup\.max\.depth"\]: writing "many" to .*: invalid argument$/);
  });

  it("names the field when a limit needs a controller this tree does not offer", async () => {
    const m = newManager("missing");
    await m.create();
    // The controller cases only where the tree lacks them (hybrid); every host has the rest.
    const absent = (controller: string, c: [LinuxResources, RegExp][]) => (v2Controllers.includes(controller) ? [] : c);
    const cases: [LinuxResources, RegExp][] = [
      ...absent("pids", [[{ pids: { limit: 10 } }, /^linux\.resources\.pids\.limit: the pids cgroup controller is not available on this host \(not in .*cgroup\.controllers\)$/]]),
      ...absent("memory", [
        [{ memory: { limit: 1 << 26 } }, /^linux\.resources\.memory: the memory cgroup controller is not available/],
        [{ unified: { "memory.max": "1" } }, /^linux\.resources\.unified\["memory\.max"\]: the memory cgroup controller is not available/],
      ]),
      [{ cpu: { realtimeRuntime: 1000 } }, /^linux\.resources\.cpu\.realtimePeriod\/realtimeRuntime: cgroup v2 has no realtime/],
      [{ network: { classID: 1 } }, /^linux\.resources\.network: net_cls\/net_prio do not exist in cgroup v2/],
      [{ memory: { swap: 1 << 26 } }, /^linux\.resources\.memory\.swap: a swap limit needs a memory limit/],
    ];
    for (const [resources, message] of cases) expect(errorOf(() => m.set(resources)).message).toMatch(message);
    // Asking for nothing needs nothing.
    m.set({ hugepageLimits: [], network: {}, unified: {}, pids: { limit: 0 } });
  });

  it("enforces the device list with an eBPF program, replaced on update", async () => {
    const m = newManager("devices");
    await m.create();
    const dir = m.saved.paths[""]!;
    m.set({ devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 9, access: "r" }] });
    expect(deviceProgramCount(dir)).toBe(1);
    expect(await tryOpen(m, ["/dev/null:r+", "/dev/zero:r", "/dev/urandom:r", "/dev/urandom:w"])).toEqual(["ok", "EPERM", "ok", "EPERM"]);

    await m.update({ devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 5, access: "rw" }] });
    expect(deviceProgramCount(dir)).toBe(1); // the old program is gone, not stacked
    expect(await tryOpen(m, ["/dev/null:r", "/dev/zero:r+"])).toEqual(["EPERM", "ok"]);

    // Default allow with one deny: the deny matches any overlapping access.
    await m.update({ devices: [{ allow: false, type: "c", major: 1, minor: 5, access: "w" }] });
    expect(await tryOpen(m, ["/dev/zero:r", "/dev/zero:r+", "/dev/null:r+"])).toEqual(["ok", "EPERM", "ok"]);
  });

  it("freezes and thaws through cgroup.freeze", async () => {
    const m = newManager("freeze");
    await m.create();
    const counter = startCounter();
    await m.apply(counter.proc.pid);
    counter.go();
    await eventually(() => counter.read() > 3);
    expect(m.pids()).toContain(counter.proc.pid);

    m.freeze();
    expect(await m.isFrozen()).toBe(true);
    expect(fs.readFileSync(path.join(m.saved.paths[""]!, "cgroup.events"), "utf8")).toMatch(/^frozen 1$/m);
    const frozenAt = counter.read();
    await delay(300);
    expect(counter.read()).toBe(frozenAt);

    m.thaw();
    expect(await m.isFrozen()).toBe(false);
    await eventually(() => counter.read() > frozenAt + 3);
  });

  it("reads the core cpu stats", async () => {
    const m = newManager("stats");
    await m.create();
    const busy = start("sh", ["-c", "read _; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done; exec sleep 1000"], { stdin: true });
    await m.apply(busy.pid);
    busy.child.stdin!.write("go\n");
    await firstLine(busy);
    const s = m.stats();
    expect(s.cpu.usage.total).toBeGreaterThan(0n);
    expect(s.cpu.usage.user + s.cpu.usage.kernel).toBeGreaterThan(0n);
    // pids stats where the cgroup has the pids controller, none where the tree offers none.
    if (fs.existsSync(path.join(m.saved.paths[""]!, "pids.current"))) expect(s.pids.current).toBeGreaterThan(0n);
    else expect(s.pids).toEqual({});
    expect(m.oomKills()).toBe(0);
  });
});
