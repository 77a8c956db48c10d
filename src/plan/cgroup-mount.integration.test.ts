// A mount of type "cgroup" on this hybrid host: the container sees its own cgroups, read-only,
// and with a cgroup namespace its /proc/self/cgroup paths are rooted at them.
import { afterAll, describe, expect, it } from "vitest";
import { makeBundle, Runtime, uniqueId } from "../testing/harness.js";
import type { Spec } from "../spec/types.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

function run(args: string[], edit: (c: Spec) => void): { status: number | null; stdout: string; stderr: string } {
  const b = makeBundle(args, edit);
  rt.trackDir(b.dir);
  return rt.skiff(["run", "--bundle", b.dir, uniqueId()]);
}

describe("the cgroup mount (v1/hybrid)", () => {
  it("shows the container's own cgroups, read-only", () => {
    const r = run(["sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; ls /sys/fs/cgroup; (echo 1 > /sys/fs/cgroup/pids/pids.max) 2>/dev/null || echo refused"], (c) => {
      c.linux!.resources = { ...c.linux!.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 } };
    });
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 2)).toEqual([String(64 * 1024 * 1024), "50"]);
    for (const h of ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids", "systemd", "unified"]) expect(lines).toContain(h);
    expect(lines.at(-1)).toBe("refused");
  });

  it("with a cgroup namespace, /proc/self/cgroup is rooted at the container's cgroup", () => {
    const r = run(["cat", "/proc/self/cgroup"], (c) => c.linux!.namespaces!.push({ type: "cgroup" }));
    const paths = r.stdout.trim().split("\n").map((l) => l.split(":")[2]);
    expect(paths.length).toBeGreaterThan(5);
    expect(new Set(paths)).toEqual(new Set(["/"]));
  });

  it("rw in the mount options leaves it writable", () => {
    const r = run(["sh", "-c", "echo 40 > /sys/fs/cgroup/pids/pids.max && cat /sys/fs/cgroup/pids/pids.max"], (c) => {
      const m = c.mounts!.find((x) => x.type === "cgroup")!;
      m.options = (m.options ?? []).filter((o) => o !== "ro").concat("rw");
    });
    expect(r.stdout.trim()).toBe("40");
  });
});
