// A create that fails or is killed at any moment leaves nothing that `delete --force` cannot
// remove, and `state`/`list` keep answering. This test process is a child subreaper, so every
// process a killed `skiff create` leaves behind (its helper, the container's init) is re-parented
// here and can be counted.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prctl, PR_SET_CHILD_SUBREAPER } from "../linux/libc.js";
import { cgroupDirsNamed, makeBundle, processAlive, Runtime, SKIFF, uniqueId, waitFor, type Bundle } from "../testing/harness.js";
import type { Spec } from "../spec/types.js";

const rt = new Runtime();
let bundle: Bundle;

beforeAll(() => {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  bundle = makeBundle(["sleep", "300"]);
  rt.trackDir(bundle.dir);
});
afterAll(() => rt.cleanup());

/** Live processes re-parented to this test process: what killed creates left running. */
function adoptedProcesses(): number[] {
  return fs
    .readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === process.pid && processAlive(pid);
      } catch {
        return false;
      }
    });
}

/** Runs `skiff create` and SIGKILLs it after delayMs; resolves when it is gone. */
function createKilledAfter(id: string, delayMs: number): Promise<void> {
  const child = spawn(SKIFF, ["--root", rt.root, "create", "--bundle", bundle.dir, id], { stdio: "ignore" });
  const timer = setTimeout(() => child.kill("SIGKILL"), delayMs);
  return new Promise((resolve) =>
    child.on("exit", () => {
      clearTimeout(timer);
      resolve();
    }),
  );
}

function expectNoStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at |TypeError|SyntaxError|ReferenceError/);
}

describe("kill -9 of skiff create at any moment", () => {
  // How long a whole create takes here sets the sweep: from before it starts to after it ends.
  let createMs = 0;
  beforeAll(() => {
    const id = uniqueId("timing");
    const t0 = performance.now();
    rt.ok(["create", "--bundle", bundle.dir, id]);
    createMs = performance.now() - t0;
    rt.ok(["delete", "--force", id]);
  });

  const STEPS = 16;
  it.each(Array.from({ length: STEPS }, (_, i) => i))("sweep point %i: delete --force removes everything, state and list keep answering", async (step) => {
    const id = uniqueId("killed");
    await createKilledAfter(id, (createMs * 1.2 * step) / (STEPS - 1));

    const state = rt.skiff(["state", id]);
    expectNoStackTrace(state.stderr);
    if (state.status === 0) expect(["creating", "created", "stopped"]).toContain(JSON.parse(state.stdout).status);
    else expect(state.stderr).toContain("does not exist");
    const list = rt.skiff(["list", "--format", "json"]);
    expect(list.status).toBe(0);
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);

    expect(rt.skiff(["delete", "--force", id]).status).toBe(0);
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
    expect(cgroupDirsNamed(id)).toEqual([]);
    // a helper that lost its parent before joining the cgroups exits on the closed socket
    expect(await waitFor(() => adoptedProcesses().length === 0, 3000)).toBe(true);
  });
});

describe("a failure at each step of create leaves nothing", () => {
  // One config per place create can fail after it has made something: hooks in the runtime
  // and in the container, cgroup writes, id maps, sysctl writes, device nodes.
  const failAt: [string, (c: Spec) => void, RegExp][] = [
    ["a prestart hook", (c) => (c.hooks = { prestart: [{ path: "/bin/false" }] }), /error running hook #0 \(prestart \/bin\/false\): exit status 1/],
    ["a createRuntime hook", (c) => (c.hooks = { createRuntime: [{ path: "/bin/false" }] }), /error running hook #0 \(createRuntime \/bin\/false\): exit status 1/],
    ["a createContainer hook", (c) => (c.hooks = { createContainer: [{ path: "/bin/false" }] }), /error running hook #0 \(createContainer \/bin\/false\): exit status 1/],
    ["a cgroup write the kernel refuses", (c) => (c.linux!.resources = { cpu: { cpus: "1023" } }), /cpu\.cpus|cpuset/],
    // skiff-init is already at work when the limits go in; in a user namespace it asks for its id
    // maps before it forks the init.
    ["a cgroup write the kernel refuses, in a user namespace", (c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.resources = { cpu: { cpus: "1023" } };
    }, /cpu\.cpus|cpuset/],
    ["id maps the kernel refuses", (c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 4294967290, size: 100 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
    }, /uid_map|uidMappings/],
    // skiff-init makes the namespaces before it is joined to the cgroups (an early stage).
    ["a namespace path that is no namespace", (c) => (c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === "network" ? { ...n, path: "/dev/null" } : n))), /^join network namespace \/dev\/null: invalid argument/],
    ["a sysctl value the kernel refuses", (c) => (c.linux!.sysctl = { "net.ipv4.ip_forward": "not-a-number" }), /^set sysctl \/proc\/sys\/net\/ipv4\/ip_forward=not-a-number: invalid argument/],
    ["a device node that cannot be made", (c) => (c.linux!.devices = [{ path: "/proc/x", type: "c", major: 1, minor: 3 }]), /^create device \/proc\/x: /],
  ];
  it.each(failAt)("%s", async (_, edit, message) => {
    const b = makeBundle(["true"], edit);
    rt.trackDir(b.dir);
    const id = uniqueId("step");
    const r = rt.skiff(["create", "--bundle", b.dir, id]);
    if (r.status === 0) rt.track(id);
    expect(r.status).toBe(1);
    expectNoStackTrace(r.stderr);
    expect(r.stderr.trim().split("\n").filter((l) => !l.includes("level=warning"))).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
    expect(cgroupDirsNamed(id)).toEqual([]);
    expect(await waitFor(() => adoptedProcesses().length === 0, 3000)).toBe(true);
  });
});

describe("a state root that cannot take the state", () => {
  /** Runs script in a private mount namespace with a small tmpfs at $ROOT (the host's mounts stay). */
  function inPrivateTmpfs(options: string, script: string): { status: number | null; stdout: string; stderr: string } {
    const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-stateroot-")));
    const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", `mount -t tmpfs -o ${options} tmpfs "$ROOT" && ${script}`], {
      env: { ...process.env, ROOT: dir, SKIFF, BUNDLE: bundle.dir },
      encoding: "utf8",
      timeout: 30_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  // From one page up: the early record, then the final one (written beside it) stops fitting.
  it.each([4, 12, 20, 28, 36, 44, 52])("full at %i KiB: one clear error, nothing half-written, nothing left", async (kib) => {
    const id = uniqueId("full");
    const big = makeBundle(["sleep", "300"], (c) => (c.annotations = { filler: "x".repeat(8192) }));
    rt.trackDir(big.dir);
    const r = inPrivateTmpfs(`size=${kib}k`, `"$SKIFF" --root "$ROOT" create --bundle "${big.dir}" ${id}; echo "rc=$?"; ls -A "$ROOT/${id}" 2>&1; "$SKIFF" --root "$ROOT" delete --force ${id}`);
    if (r.stdout.includes("rc=0")) {
      expect(r.stderr).toBe(""); // it fitted, and its record was whole enough to delete
    } else {
      expect(r.stdout).toContain("rc=1");
      expect(r.stderr.trim()).toMatch(new RegExp(`^writing the state of container ${id} in .*: no space left on device$`));
      expect(r.stdout).toContain("No such file or directory"); // the state directory is gone
    }
    expect(cgroupDirsNamed(id)).toEqual([]);
    expect(await waitFor(() => adoptedProcesses().length === 0, 3000)).toBe(true);
  });

  it("read-only: one clear error naming the directory", () => {
    const id = uniqueId("ro");
    const r = inPrivateTmpfs("ro", `"$SKIFF" --root "$ROOT" create --bundle "$BUNDLE" ${id}; echo "rc=$?"`);
    expect(r.stdout).toContain("rc=1");
    expect(r.stderr.trim()).toMatch(new RegExp(`^creating the state directory .*/${id}: read-only file system$`));
    expect(cgroupDirsNamed(id)).toEqual([]);
  });
});

describe("a corrupt state.json", () => {
  it("shows in list with an error; state names it; delete --force still removes the container", async () => {
    const id = rt.track(uniqueId("corrupt"));
    rt.ok(["create", "--bundle", bundle.dir, id]);
    const pid = rt.state(id).pid;
    fs.writeFileSync(path.join(rt.root, id, "state.json"), "{ not json");

    const list = rt.skiff(["list"]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+0\\s+unknown`, "m"));
    expect(list.stderr).toContain(`container ${id}: state.json is corrupt`);
    const state = rt.skiff(["state", id]);
    expect(state.status).toBe(1);
    expect(state.stderr).toContain(`container ${id}: state.json is corrupt`);
    expectNoStackTrace(state.stderr);

    expect(rt.skiff(["delete", "--force", id]).status).toBe(0);
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
    expect(cgroupDirsNamed(id)).toEqual([]);
    expect(await waitFor(() => !processAlive(pid), 3000)).toBe(true);
  });

  it("another runtime's record (runc's fields) is named as such, never a TypeError", async () => {
    const id = rt.track(uniqueId("foreign"));
    rt.ok(["create", "--bundle", bundle.dir, id]);
    const pid = rt.state(id).pid;
    fs.writeFileSync(path.join(rt.root, id, "state.json"), JSON.stringify({ id, init_process_pid: pid, init_process_start: 1, created: "2026-12-06T00:00:00Z", config: {}, cgroup_paths: {} }));

    const message = `container ${id}: state.json is corrupt: not a record skiff wrote (no pid)`;
    const list = rt.skiff(["list"]);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+0\\s+unknown`, "m"));
    expect(list.stderr).toContain(message);
    for (const args of [["state", id], ["kill", id, "TERM"], ["delete", id]]) {
      const r = rt.skiff(args);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(message);
    }
    expect(rt.skiff(["delete", "--force", id]).status).toBe(0);
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
    expect(cgroupDirsNamed(id)).toEqual([]);
    expect(await waitFor(() => !processAlive(pid), 3000)).toBe(true);
  });
});
