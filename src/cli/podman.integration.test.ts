// skiff as podman's runtime (podman → conmon → skiff), with the containers.conf of README.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cgroupDirsNamed, waitFor } from "../testing/harness.js";
import { v1Controllers } from "../testing/host.js";
import { IMAGE, Podman } from "../testing/podman.js";

const pm = new Podman();
beforeAll(() => pm.start(), 60_000);
afterAll(() => pm.stop(), 60_000);

let seq = 0;
const nextName = () => `pm-${process.pid}-${++seq}`;

const cidFiles: string[] = [];

// A container's own cgroup files, as its /sys/fs/cgroup shows them on this host: one directory
// per v1 hierarchy where the controller is on v1 (this hybrid machine), one cgroup2 tree where
// it is not (a pure v2 host).
const pidsMaxFile = v1Controllers.includes("pids") ? "/sys/fs/cgroup/pids/pids.max" : "/sys/fs/cgroup/pids.max";
const memoryMaxFile = v1Controllers.includes("memory") ? "/sys/fs/cgroup/memory/memory.limit_in_bytes" : "/sys/fs/cgroup/memory.max";

/** `--cidfile` for a run, so the test learns the id of a container it never names. */
function cid(): string[] {
  const file = path.join(pm.dir, `cid-${++seq}`);
  cidFiles.push(file);
  return ["--cidfile", file];
}

/** No podman container, no skiff state (conmon gives no --root: /run/skiff) and no cgroup. */
function expectNothingLeft(): void {
  expect(pm.ok(["ps", "-aq"]).stdout.trim()).toBe("");
  const ids = cidFiles.splice(0).map((f) => fs.readFileSync(f, "utf8").trim());
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) {
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.existsSync(path.join("/run/skiff", id))).toBe(false);
    expect(cgroupDirsNamed(`libpod-${id}`)).toEqual([]);
  }
}

describe("podman with skiff", () => {
  it("run --rm: output and exit code", () => {
    const r = pm.podman(["run", "--rm", ...cid(), IMAGE, "sh", "-c", "echo hello; exit 5"]);
    expect(r.stdout).toBe("hello\n");
    expect(r.status).toBe(5);
    expectNothingLeft();
  });

  it("run -d, exec, stop, rm", () => {
    const name = nextName();
    pm.ok(["run", "-d", ...cid(), "--name", name, IMAGE, "sleep", "1000"]);
    const e = pm.podman(["exec", name, "sh", "-c", "echo exec-ok; exit 3"]);
    expect(e.stdout).toBe("exec-ok\n");
    expect(e.status).toBe(3);
    pm.ok(["stop", "-t", "2", name]);
    pm.ok(["rm", name]);
    expectNothingLeft();
  });

  it("stop escalates to SIGKILL for a process ignoring SIGTERM (137)", () => {
    const name = nextName();
    pm.ok(["run", "-d", ...cid(), "--name", name, IMAGE, "sh", "-c", 'trap "" TERM; while true; do sleep 0.2; done']);
    pm.ok(["stop", "-t", "1", name]);
    expect(pm.ok(["inspect", name, "--format", "{{.State.ExitCode}}"]).stdout.trim()).toBe("137");
    pm.ok(["rm", name]);
    expectNothingLeft();
  });

  it("-it gives the process a terminal", () => {
    // The short pause lets conmon relay the output before the pty closes (seen racing in a full run).
    const r = pm.podmanTty(["run", "--rm", "-it", ...cid(), IMAGE, "sh", "-c", "tty; sleep 0.3"]);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.status).toBe(0);
    expectNothingLeft();
  });

  it("--memory OOM-kills a hog (137); --pids-limit, --read-only and --user apply", () => {
    const oom = pm.podman(["run", "--rm", "--memory", "32m", ...cid(), IMAGE, "sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"]);
    expect(oom.stdout).not.toContain("survived");
    expect(oom.status).toBe(137);
    const r = pm.podman(["run", "--rm", ...cid(), "--pids-limit", "20", "--read-only", "--user", "1000:1000", IMAGE, "sh", "-c", `cat ${pidsMaxFile}; id -u; id -g; touch /x 2>/dev/null || echo ro`]);
    expect(r.stdout).toBe("20\n1000\n1000\nro\n");
    expectNothingLeft();
  });

  it("pause/unpause and update --memory", async () => {
    const name = nextName();
    pm.ok(["run", "-d", ...cid(), "--name", name, IMAGE, "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done"]);
    pm.ok(["pause", name]);
    expect(pm.ok(["inspect", name, "--format", "{{.State.Status}}"]).stdout.trim()).toBe("paused");
    const read = () => pm.ok(["exec", name, "cat", "/tmp/n"]).stdout;
    pm.ok(["unpause", name]);
    const before = read();
    expect(await waitFor(() => read() !== before, 5000)).toBe(true);
    pm.ok(["update", "--memory", "64m", name]);
    expect(pm.ok(["exec", name, "cat", memoryMaxFile]).stdout.trim()).toBe(String(64 * 1024 * 1024));
    pm.ok(["rm", "--force", "--time", "0", name]);
    expectNothingLeft();
  });

  it("kill of a paused container kills it (137), as with runc", async () => {
    const name = nextName();
    pm.ok(["run", "-d", ...cid(), "--name", name, IMAGE, "sleep", "1000"]);
    pm.ok(["pause", name]);
    pm.ok(["kill", name]);
    expect(await waitFor(() => pm.ok(["inspect", name, "--format", "{{.State.Status}}"]).stdout.trim() === "exited", 10_000)).toBe(true);
    expect(pm.ok(["inspect", name, "--format", "{{.State.ExitCode}}"]).stdout.trim()).toBe("137");
    pm.ok(["rm", name]);
    expectNothingLeft();
  });

  it("a missing executable exits 127, a non-executable file 126", () => {
    const missing = pm.podman(["run", "--rm", ...cid(), IMAGE, "no-such-program"]);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain("executable file not found");
    const notExec = pm.podman(["run", "--rm", ...cid(), IMAGE, "/etc/passwd"]);
    expect(notExec.status).toBe(126);
    expect(notExec.stderr).toContain("permission denied");
    expectNothingLeft();
  });
});
