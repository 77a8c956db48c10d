// A mount of type "cgroup": the container sees its own cgroups, read-only, and with a cgroup
// namespace its /proc/self/cgroup paths are rooted at them. On a v1 or hybrid host that is one
// directory per hierarchy (memory/, pids/, ..., unified/); on a pure v2 host one cgroup2 tree.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeBundle, Runtime, uniqueId } from "../testing/harness.js";
import { cgroupMode, cgroupMountPoints } from "../testing/host.js";
import type { Spec } from "../spec/types.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

const v2 = cgroupMode === "v2";
/** Where the container finds a controller's file in its cgroup mount on this host. */
const inMount = (controller: string, v1File: string, v2File: string) => (v2 ? `/sys/fs/cgroup/${v2File}` : `/sys/fs/cgroup/${controller}/${v1File}`);
const pidsMax = inMount("pids", "pids.max", "pids.max");

function run(args: string[], edit: (c: Spec) => void): { status: number | null; stdout: string; stderr: string } {
  const b = makeBundle(args, edit);
  rt.trackDir(b.dir);
  return rt.skiff(["run", "--bundle", b.dir, uniqueId()]);
}

describe(`the cgroup mount (this host: ${cgroupMode})`, () => {
  it("shows the container's own cgroups, read-only", () => {
    const memoryMax = inMount("memory", "memory.limit_in_bytes", "memory.max");
    const r = run(["sh", "-c", `cat ${memoryMax} ${pidsMax}; ls /sys/fs/cgroup; (echo 1 > ${pidsMax}) 2>/dev/null || echo refused`], (c) => {
      c.linux!.resources = { ...c.linux!.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 } };
    });
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 2)).toEqual([String(64 * 1024 * 1024), "50"]);
    // v1/hybrid: every hierarchy the host mounts under /sys/fs/cgroup; v2: the cgroup's own files
    const expected = v2 ? ["cgroup.procs", "memory.max", "pids.max"] : cgroupMountPoints.filter((p) => path.dirname(p) === "/sys/fs/cgroup").map((p) => path.basename(p));
    for (const entry of expected) expect(lines).toContain(entry);
    expect(lines.at(-1)).toBe("refused");
  });

  it("with a cgroup namespace, /proc/self/cgroup is rooted at the container's cgroup", () => {
    const r = run(["cat", "/proc/self/cgroup"], (c) => {
      // skiff spec's default has one already on a cgroup v2 host, as runc's does
      if (!c.linux!.namespaces!.some((n) => n.type === "cgroup")) c.linux!.namespaces!.push({ type: "cgroup" });
    });
    const paths = r.stdout.trim().split("\n").map((l) => l.split(":")[2]);
    // one line per hierarchy, as the host has
    expect(paths).toHaveLength(fs.readFileSync("/proc/self/cgroup", "utf8").trim().split("\n").length);
    expect(new Set(paths)).toEqual(new Set(["/"]));
  });

  it("rw in the mount options leaves it writable", () => {
    const r = run(["sh", "-c", `echo 40 > ${pidsMax} && cat ${pidsMax}`], (c) => {
      const m = c.mounts!.find((x) => x.type === "cgroup")!;
      m.options = (m.options ?? []).filter((o) => o !== "ro").concat("rw");
    });
    expect(r.stdout.trim()).toBe("40");
  });
});
