// process.cwd must land inside the container's root (CVE-2024-21626): a cwd of /proc/self/fd/N
// follows a magic link to whatever the init or exec process still holds open at fd N, which
// can be a host directory. Each case tries to climb out of its cwd and write a marker on the host.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { makeBundle, Runtime, uniqueId, waitFor, type Result } from "../testing/harness.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

const FDS = [3, 4, 5, 6, 7, 8, 9, 10];
const marker = path.join(os.tmpdir(), `skiff-cwd-escape-${process.pid}`);
afterEach(() => fs.rmSync(marker, { force: true }));

/** A shell line that writes the marker if `..` from the cwd reaches the host's /tmp. */
const climb = `echo escaped > ${"../".repeat(12)}${marker.slice(1)}; true`;

/** The command failed naming the cwd, or ran inside the root: never both escaped and silent. */
function expectContained(r: Result, n: number): void {
  expect(fs.existsSync(marker), `cwd /proc/self/fd/${n} reached the host`).toBe(false);
  if (r.status !== 0) expect(r.stderr).toContain(`cwd /proc/self/fd/${n}`);
}

function bundleWithCwd(n: number, args: string[]) {
  const b = makeBundle(args, (c) => (c.process!.cwd = `/proc/self/fd/${n}`));
  rt.trackDir(b.dir);
  return b;
}

describe("process.cwd /proc/self/fd/N stays inside the container", () => {
  it.each(FDS)("run, N=%i", (n) => {
    const b = bundleWithCwd(n, ["sh", "-c", climb]);
    expectContained(rt.skiff(["run", "--bundle", b.dir, uniqueId()]), n);
  });

  it.each(FDS)("create + start, N=%i", async (n) => {
    const b = bundleWithCwd(n, ["sh", "-c", climb]);
    const id = uniqueId();
    const created = rt.skiff(["create", "--bundle", b.dir, id]);
    if (created.status === 0) {
      rt.track(id);
      rt.ok(["start", id]);
      await waitFor(() => rt.state(id).status === "stopped");
      rt.ok(["delete", "--force", id]);
    }
    expectContained(created, n);
  });
});

describe("exec --cwd /proc/self/fd/N stays inside the container", () => {
  const id = uniqueId("cwd-exec");
  afterAll(() => rt.skiff(["delete", "--force", id]));

  it.each(FDS)("exec, N=%i", (n) => {
    if (!fs.existsSync(path.join(rt.root, id))) {
      const b = makeBundle(["sleep", "300"]);
      rt.trackDir(b.dir);
      rt.ok(["run", "--detach", "--bundle", b.dir, rt.track(id)]);
    }
    expectContained(rt.skiff(["exec", "--cwd", `/proc/self/fd/${n}`, id, "sh", "-c", climb]), n);
  });
});

// runc's order (issue 11): a missing cwd is made inside the root; the cwd is entered as root
// before the user switch and retried as the user if root was refused.
describe("process.cwd as runc sets it up", () => {
  it("a missing cwd is created inside the root, also behind an absolute symlink, never on the host", () => {
    const hostSide = path.join(os.tmpdir(), `skiff-cwd-made-${process.pid}`);
    const b = makeBundle(["pwd"], (c) => (c.process!.cwd = "/link/made/here"));
    rt.trackDir(b.dir);
    fs.symlinkSync(hostSide, path.join(b.rootfs, "link"));
    const r = rt.skiff(["run", "--bundle", b.dir, uniqueId()]);
    expect(r.stderr).toBe("");
    // the symlink resolved as if the rootfs were "/"
    expect(r.stdout).toBe(`${hostSide}/made/here\n`);
    expect(fs.statSync(path.join(b.rootfs, hostSide, "made/here")).isDirectory()).toBe(true);
    expect(fs.existsSync(hostSide)).toBe(false);
  });

  it("a cwd that is a file is refused at create, naming it", () => {
    const b = makeBundle(["pwd"], (c) => (c.process!.cwd = "/etc/passwd"));
    rt.trackDir(b.dir);
    const r = rt.skiff(["run", "--bundle", b.dir, uniqueId()]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("create cwd /etc/passwd: not a directory");
  });

  it("a user may start in a cwd only root can enter (/root, 0700), and in one only that user can enter", () => {
    const b = makeBundle(["sh", "-c", "pwd; id -u"], (c) => {
      c.process!.cwd = "/root";
      c.process!.user = { uid: 1000, gid: 1000 };
    });
    rt.trackDir(b.dir);
    fs.chmodSync(path.join(b.rootfs, "root"), 0o700);
    expect(rt.ok(["run", "--bundle", b.dir, uniqueId()]).stdout).toBe("/root\n1000\n");

    // runc's cwd.bats: the container's user owns its 0700 cwd; `exec --user 0` enters it too
    const own = makeBundle(["sleep", "60"], (c) => {
      c.process!.cwd = "/home/u42";
      c.process!.user = { uid: 42, gid: 42 };
    });
    rt.trackDir(own.dir);
    fs.mkdirSync(path.join(own.rootfs, "home/u42"), { recursive: true });
    fs.chownSync(path.join(own.rootfs, "home/u42"), 42, 42);
    fs.chmodSync(path.join(own.rootfs, "home/u42"), 0o700);
    const id = rt.track(uniqueId());
    rt.ok(["run", "-d", "--bundle", own.dir, id]);
    expect(rt.ok(["exec", "--user", "0", id, "pwd"]).stdout).toBe("/home/u42\n");
    expect(rt.ok(["exec", id, "pwd"]).stdout).toBe("/home/u42\n");
    // exec does not create a cwd (nor does runc's): it is an error naming it and the errno
    const missing = rt.skiff(["exec", "--user", "1000", "--cwd", "/nonexistent", id, "true"]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("chdir to cwd /nonexistent: no such file or directory");
    rt.ok(["delete", "--force", id]);
  });
});
