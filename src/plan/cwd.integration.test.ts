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
