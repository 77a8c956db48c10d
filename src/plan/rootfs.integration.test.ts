// config.md "Root" and "Mounts", config-linux.md "rootfsPropagation" and the default /dev, on
// real containers.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeBundle, Runtime, uniqueId } from "../testing/harness.js";
import type { Spec } from "../spec/types.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

function run(args: string[], edit?: (c: Spec, bundle: string) => void, extra: string[] = []): { status: number | null; stdout: string; stderr: string; rootfs: string } {
  const b = makeBundle(args);
  rt.trackDir(b.dir);
  edit?.(b.config, b.dir);
  b.save();
  const r = rt.skiff(["run", ...extra, "--bundle", b.dir, uniqueId()]);
  return { ...r, rootfs: b.rootfs };
}

function hostDir(): string {
  return rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-host-")));
}

describe("root filesystem", () => {
  it("root.readonly makes / read-only; without it / is writable", () => {
    const ro = run(["sh", "-c", "touch /x 2>&1; echo rc=$?"]);
    expect(ro.stdout).toContain("Read-only file system");
    const rw = run(["sh", "-c", "touch /x && echo ok"], (c) => (c.root!.readonly = false));
    expect(rw.stdout).toBe("ok\n");
    expect(fs.existsSync(path.join(rw.rootfs, "x"))).toBe(true);
  });

  it("root.path is relative to the bundle", () => {
    const r = run(["cat", "/marker"], (c, bundle) => {
      fs.renameSync(path.join(bundle, "rootfs"), path.join(bundle, "other"));
      fs.writeFileSync(path.join(bundle, "other/marker"), "from other\n");
      c.root!.path = "other";
    });
    expect(r.stdout).toBe("from other\n");
  });

  it("--no-pivot moves the rootfs and chroots", () => {
    const r = run(["sh", "-c", "ls / | grep -c bin"], undefined, ["--no-pivot"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("1");
  });

  it("--no-pivot leaves no fully visible procfs behind: a new user namespace cannot mount a bare /proc", () => {
    // runc's no_pivot.bats: the runtime's own /proc stayed reachable in the container's mount
    // namespace, so the kernel allowed the mount (and /proc/sysrq-trigger behind it).
    const r = run(["unshare", "-mrpf", "sh", "-c", "mount -t proc none /proc && echo mounted"], (c) => {
      for (const set of ["bounding", "permitted"] as const) c.process!.capabilities![set]!.push("CAP_SETFCAP");
    }, ["--no-pivot"]);
    expect(r.stdout).not.toContain("mounted");
    expect(r.stderr).toContain("mount: permission denied");
    // hidden in the container's mount namespace only
    const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8");
    expect(mounts).toMatch(/ \/proc \S+ .*- proc /);
    expect(mounts).toMatch(/ \/sys \S+ .*- sysfs /);
  });

  it("procfs and sysfs go only on a real directory: a symlinked /proc or /sys is refused (runc's mask.bats)", () => {
    for (const dir of ["proc", "sys"]) {
      const r = run(["true"], (_c, bundle) => {
        fs.rmdirSync(path.join(bundle, "rootfs", dir));
        fs.symlinkSync("/elsewhere", path.join(bundle, "rootfs", dir));
      });
      expect(r.status, dir).toBe(1);
      expect(r.stderr, dir).toContain(`must be mounted on ordinary directory: /${dir} is a symlink`);
      expect(fs.existsSync(path.join(r.rootfs, "elsewhere")), dir).toBe(false);
    }
  });

  it("gives the default /dev: device nodes, symlinks, pts", () => {
    const r = run(["sh", "-c", "ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty | cut -c1; for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; echo hi > /dev/null && echo null-ok"]);
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 6)).toEqual(Array(6).fill("c"));
    expect(lines.slice(6, 11)).toEqual(["/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2", "pts/ptmx"]);
    expect(lines[11]).toBe("null-ok");
  });
});

describe("mounts", () => {
  it("binds a directory and a file, creating missing mount points (a file for a file)", () => {
    const dir = hostDir();
    fs.writeFileSync(path.join(dir, "in-dir"), "dir content\n");
    const file = path.join(hostDir(), "single");
    fs.writeFileSync(file, "file content\n");
    const r = run(["sh", "-c", "cat /mnt/deep/dir/in-dir /etc/single.conf; [ -f /etc/single.conf ] && echo is-file"], (c) => {
      c.mounts!.push({ destination: "/mnt/deep/dir", type: "bind", source: dir, options: ["rbind", "ro"] });
      c.mounts!.push({ destination: "/etc/single.conf", type: "bind", source: file, options: ["bind"] });
    });
    expect(r.stdout).toBe("dir content\nfile content\nis-file\n");
  });

  it("honours ro/rw and nosuid/nodev/noexec on binds, and options on tmpfs", () => {
    const dir = hostDir();
    const r = run(["sh", "-c", "touch /ro/x 2>/dev/null || echo ro-refused; touch /rw/x && echo rw-ok; grep -E ' /(ro|rw|scratch) ' /proc/self/mountinfo | awk '{print $5, $6}'; grep ' /scratch ' /proc/mounts | grep -o 'size=[^,]*,mode=[0-9]*'"], (c) => {
      c.mounts!.push({ destination: "/ro", type: "bind", source: dir, options: ["bind", "ro", "nosuid", "nodev", "noexec"] });
      c.mounts!.push({ destination: "/rw", type: "bind", source: dir, options: ["bind", "rw"] });
      c.mounts!.push({ destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid", "size=1024k", "mode=750"] });
    });
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("ro-refused");
    expect(lines[1]).toBe("rw-ok");
    expect(lines.find((l) => l.startsWith("/ro "))).toMatch(/^\/ro ro,nosuid,nodev,noexec/);
    expect(lines.find((l) => l.startsWith("/rw "))).toMatch(/^\/rw rw/);
    expect(lines.find((l) => l.startsWith("/scratch "))).toMatch(/^\/scratch rw,nosuid/);
    expect(lines.at(-1)).toBe("size=1024k,mode=750");
  });

  it("a symlink in the rootfs cannot send a mount outside it", () => {
    const outside = hostDir();
    const source = hostDir();
    fs.writeFileSync(path.join(source, "payload"), "x");
    const r = run(["sh", "-c", "ls /escape/"], (c, bundle) => {
      // rootfs/escape -> the host's `outside` directory, by absolute and by relative path
      fs.symlinkSync(outside, path.join(bundle, "rootfs/escape"));
      c.mounts!.push({ destination: "/escape", type: "bind", source, options: ["bind"] });
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("payload\n");
    expect(fs.readdirSync(outside)).toEqual([]); // nothing was mounted on (or created in) the host dir
  });

  it("relative .. in a destination stays inside the rootfs", () => {
    const source = hostDir();
    fs.writeFileSync(path.join(source, "f"), "inside\n");
    const r = run(["cat", "/tmp/f"], (c) => {
      c.mounts!.push({ destination: "/../../../tmp", type: "bind", source, options: ["bind"] });
    });
    expect(r.stdout).toBe("inside\n");
  });

  it("mount propagation options are applied (rprivate / rshared)", () => {
    const dir = hostDir();
    const r = run(["sh", "-c", "grep -E ' /(p|s) ' /proc/self/mountinfo | awk '{print $5, $7}'"], (c) => {
      c.mounts!.push({ destination: "/p", type: "bind", source: dir, options: ["rbind", "rprivate"] });
      c.mounts!.push({ destination: "/s", type: "bind", source: dir, options: ["rbind", "rshared"] });
    });
    const lines = r.stdout.trim().split("\n");
    expect(lines.find((l) => l.startsWith("/s "))).toMatch(/shared:\d+/);
    expect(lines.find((l) => l.startsWith("/p "))).not.toMatch(/shared:|master:/);
  });

  it("a failing mount names the mount and the reason", () => {
    const r = run(["true"], (c) => {
      c.mounts!.push({ destination: "/bad", type: "nosuchfs", source: "none", options: [] });
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("mount none on /bad: no such device");
  });
});
