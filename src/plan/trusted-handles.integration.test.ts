// The handles skiff-init writes through or binds are checked, not trusted by name. Writes under
// /proc (oomScoreAdj, sysctl) go only to procfs: a mount planted over the file, a /proc that is
// not procfs, or a symlink on the way makes the write fail instead of landing on whatever was put
// there (the CVE-2025-52881 class). Masked paths are covered by the real null device, whatever
// the rootfs put at /dev/null (the CVE-2025-31133 class).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeBundle, Runtime, uniqueId } from "../testing/harness.js";
import type { Spec } from "../spec/types.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

/** A host file a container tries to make skiff write. */
function hostTarget(): string {
  const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-procfs-")));
  const file = path.join(dir, "target");
  fs.writeFileSync(file, "untouched\n");
  return file;
}

function run(edit: (c: Spec) => void, plant?: (rootfs: string) => void) {
  const b = makeBundle(["true"], edit);
  rt.trackDir(b.dir);
  plant?.(b.rootfs);
  return rt.skiff(["run", "--bundle", b.dir, uniqueId("procfs")]);
}

describe("procfs writes cannot be redirected", () => {
  it("oomScoreAdj: a host file bound over /proc/1/oom_score_adj is refused, not written", () => {
    const target = hostTarget();
    const r = run((c) => {
      c.process!.oomScoreAdj = 500;
      c.mounts!.push({ destination: "/proc/1/oom_score_adj", type: "bind", source: target, options: ["bind"] });
    });
    expect(fs.readFileSync(target, "utf8")).toBe("untouched\n");
    expect(r.status).toBe(1);
    // Two guards: the mount over /proc is refused first; the write would refuse it too.
    expect(r.stderr.trim()).toMatch(/is inside \/proc, where only runc's allow-list may be mounted over|invalid cross-device link \(open \/proc\/self\/oom_score_adj\)/);
  });

  it("sysctl: a host file bound over /proc/sys/kernel/domainname is refused, not written", () => {
    const target = hostTarget();
    const r = run((c) => {
      c.linux!.sysctl = { "kernel.domainname": "pwned" };
      c.mounts!.push({ destination: "/proc/sys/kernel/domainname", type: "bind", source: target, options: ["bind"] });
    });
    expect(fs.readFileSync(target, "utf8")).toBe("untouched\n");
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/is inside \/proc, where only runc's allow-list may be mounted over|invalid cross-device link \(open \/proc\/sys\/kernel\/domainname\)/);
  });

  it("a /proc that is not procfs is refused", () => {
    const r = run((c) => {
      c.process!.oomScoreAdj = 100;
      c.mounts = c.mounts!.map((m) => (m.destination === "/proc" ? { destination: "/proc", type: "tmpfs", source: "tmpfs", options: [] } : m));
      c.linux!.maskedPaths = [];
      c.linux!.readonlyPaths = [];
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("set oomScoreAdj 100: invalid cross-device link (/proc is not the root of a procfs mount)");
  });

  it("the plain case still works: values land in the container's own procfs", () => {
    const b = makeBundle(["sh", "-c", "cat /proc/self/oom_score_adj /proc/sys/kernel/domainname"], (c) => {
      c.process!.oomScoreAdj = 321;
      c.linux!.sysctl = { "kernel.domainname": "inside" };
    });
    rt.trackDir(b.dir);
    expect(rt.ok(["run", "--bundle", b.dir, uniqueId("procfs")]).stdout).toBe("321\ninside\n");
  });
});

describe("masked paths are covered by the null device, whatever the rootfs planted", () => {
  it.each(["a file", "a symlink to a host file"])("/dev/null as %s, with no /dev mount: /proc/keys reads empty, the host file is untouched", (kind) => {
    const target = hostTarget();
    const b = makeBundle(["sh", "-c", "cat /proc/keys; echo end"], (c) => {
      c.mounts = c.mounts!.filter((m) => m.destination !== "/dev");
    });
    rt.trackDir(b.dir);
    const planted = path.join(b.rootfs, "dev/null");
    fs.mkdirSync(path.dirname(planted), { recursive: true });
    if (kind === "a file") fs.writeFileSync(planted, "planted secret\n");
    else fs.symlinkSync(target, planted);
    expect(rt.ok(["run", "--bundle", b.dir, uniqueId("null")]).stdout).toBe("end\n");
    expect(fs.readFileSync(target, "utf8")).toBe("untouched\n");
  });
});

describe("mounts over /proc: only runc's allow-list", () => {
  it("a bind over /proc/self/attr/exec or /proc/sys/kernel is refused, also through a symlink", () => {
    const target = hostTarget();
    for (const destination of ["/proc/self/attr/exec", "/proc/sys/kernel/hostname", "/via-link/hostname"]) {
      const r = run((c) => c.mounts!.push({ destination, type: "bind", source: target, options: ["bind"] }), (rootfs) => fs.symlinkSync("/proc/sys/kernel", path.join(rootfs, "via-link")));
      expect(r.status, destination).toBe(1);
      expect(r.stderr.trim()).toBe(`mount ${target} on ${destination}: operation not permitted (${destination} is inside /proc, where only runc's allow-list may be mounted over)`);
    }
  });

  it("the lxcfs files runc allows can be bound: /proc/uptime", () => {
    const b = makeBundle(["cat", "/proc/uptime"], (c) => c.mounts!.push({ destination: "/proc/uptime", type: "bind", source: hostTarget(), options: ["bind", "ro"] }));
    rt.trackDir(b.dir);
    expect(rt.ok(["run", "--bundle", b.dir, uniqueId("uptime")]).stdout).toBe("untouched\n");
  });
});
