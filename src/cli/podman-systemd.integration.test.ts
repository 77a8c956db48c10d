// podman with its default systemd cgroup manager, through skiff: the host most podman users run
// (pure cgroup v2, systemd as PID 1; the test guest), and the older one whose systemd runs the
// v1 hierarchies (the guest with --cgroups hybrid). podman passes --systemd-cgroup and a
// "machine.slice:libpod:<id>" cgroupsPath, so skiff's systemd driver makes libpod-<id>.scope.
// Skipped where systemd is not running, or podman is missing.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cgroupMode, systemdOnV1, systemdRunning } from "../testing/host.js";
import { IMAGE, Podman } from "../testing/podman.js";

const hasPodman = spawnSync("podman", ["--version"]).status === 0;
const runs = (systemdRunning || systemdOnV1) && hasPodman && process.getuid?.() === 0;
const pm = new Podman("systemd");
beforeAll(() => {
  if (runs) pm.start();
}, 120_000);
afterAll(() => {
  if (runs) pm.stop();
}, 120_000);

// The unit's memory limit and the files inside the container, by the host's cgroup version.
const v2 = cgroupMode === "v2";
const MEMORY_PROPERTY = v2 ? "MemoryMax" : "MemoryLimit";
const MEMORY_FILE = v2 ? "/sys/fs/cgroup/memory.max" : "/sys/fs/cgroup/memory/memory.limit_in_bytes";
const PIDS_FILE = v2 ? "/sys/fs/cgroup/pids.max" : "/sys/fs/cgroup/pids/pids.max";

function unitProps(unit: string, props: string[]): Record<string, string> {
  const r = spawnSync("systemctl", ["show", unit, ...props.map((p) => `--property=${p}`)], { encoding: "utf8" });
  return Object.fromEntries(r.stdout.trim().split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

describe.runIf(runs)("podman (systemd cgroup manager) with skiff", () => {
  it("runs, limits, pauses, updates, stops and removes a container in its libpod scope", () => {
    const name = `pmsd-${process.pid}`;
    const id = pm.ok(["run", "-d", "--name", name, "--memory", "64m", "--pids-limit", "20", "--cpus", "0.5", IMAGE, "sleep", "1000"]).stdout.trim();
    const unit = `libpod-${id}.scope`;
    expect(unitProps(unit, ["Slice", "ActiveState", MEMORY_PROPERTY, "TasksMax", "CPUQuotaPerSecUSec", "Delegate"])).toEqual({
      Slice: "machine.slice",
      ActiveState: "active",
      [MEMORY_PROPERTY]: String(64 * 1024 * 1024),
      TasksMax: "20",
      CPUQuotaPerSecUSec: "500ms",
      Delegate: "yes",
    });
    // Inside: the scope's own cgroup files (v2: a private cgroup namespace rooted at the scope).
    expect(pm.ok(["exec", name, "cat", MEMORY_FILE, PIDS_FILE]).stdout.split("\n").slice(0, 2)).toEqual([String(64 * 1024 * 1024), "20"]);

    pm.ok(["pause", name]);
    expect(pm.ok(["inspect", name, "--format", "{{.State.Status}}"]).stdout.trim()).toBe("paused");
    pm.ok(["unpause", name]);
    expect(pm.ok(["inspect", name, "--format", "{{.State.Status}}"]).stdout.trim()).toBe("running");

    pm.ok(["update", "--memory", "32m", name]);
    expect(unitProps(unit, [MEMORY_PROPERTY])[MEMORY_PROPERTY]).toBe(String(32 * 1024 * 1024));
    expect(pm.ok(["exec", name, "cat", MEMORY_FILE]).stdout.trim()).toBe(String(32 * 1024 * 1024));

    pm.ok(["stop", "-t", "1", name]);
    pm.ok(["rm", name]);
    expect(unitProps(unit, ["ActiveState"]).ActiveState).toBe("inactive");
    expect(pm.ok(["ps", "-aq"]).stdout.trim()).toBe("");
  }, 600_000); // a dozen podman calls: minutes under the test guest's emulation

  it("run --rm gives the output and exit code and leaves no unit", () => {
    const r = pm.podman(["run", "--rm", IMAGE, "sh", "-c", "cat /proc/self/cgroup; exit 4"]);
    // v2: the root of its cgroup namespace; v1 (podman's default there is the host's cgroup
    // namespace): the scope, on every hierarchy.
    if (v2) expect(r.stdout).toBe("0::/\n");
    else expect(r.stdout.trim().split("\n").filter((l) => !/:\/machine\.slice\/libpod-[0-9a-f]+\.scope$/.test(l))).toEqual([]);
    expect(r.status).toBe(4);
  }, 300_000);
});
