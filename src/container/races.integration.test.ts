// Commands racing each other on one container, or many containers at once: exactly one create of
// an id wins, concurrent updates both land, delete and kill never corrupt anything, and nothing
// is left behind.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCgroupManager } from "../cgroups/index.js";
import { cgroupDirsNamed, makeBundle, Runtime, SKIFF, uniqueId, waitFor, type Bundle, type Result } from "../testing/harness.js";
import { StateStore } from "./state-store.js";

const rt = new Runtime();
let bundle: Bundle;
beforeAll(() => {
  bundle = makeBundle(["sleep", "300"]);
  rt.trackDir(bundle.dir);
});
afterAll(() => rt.cleanup());

/**
 * Runs skiff without waiting for it: many at once. Output goes through files, as in the harness:
 * a created container keeps its stdio open, so pipes would never close.
 */
function skiffAsync(args: string[]): Promise<Result> {
  const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-race-out-")));
  const out = fs.openSync(path.join(dir, "stdout"), "w+");
  const err = fs.openSync(path.join(dir, "stderr"), "w+");
  const child = spawn(SKIFF, ["--root", rt.root, ...args], { stdio: ["ignore", out, err] });
  fs.closeSync(out);
  fs.closeSync(err);
  return new Promise((resolve) =>
    child.on("exit", (status) =>
      resolve({ status, stdout: fs.readFileSync(path.join(dir, "stdout"), "utf8"), stderr: fs.readFileSync(path.join(dir, "stderr"), "utf8") }),
    ),
  );
}

describe("races", () => {
  it("create of one id from 10 processes at once: one wins, the others say it exists", async () => {
    const id = rt.track(uniqueId("same"));
    const results = await Promise.all(Array.from({ length: 10 }, () => skiffAsync(["create", "--bundle", bundle.dir, id])));
    expect(results.filter((r) => r.status === 0)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 0)) expect(r.stderr.trim()).toBe(`container with id exists: ${id}`);
    expect(rt.state(id).status).toBe("created");
    rt.ok(["delete", "--force", id]);
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
    expect(cgroupDirsNamed(id)).toEqual([]);
  });

  it("30 different ids created at once, then deleted at once: all succeed, nothing left", async () => {
    const ids = Array.from({ length: 30 }, () => rt.track(uniqueId("many")));
    const created = await Promise.all(ids.map((id) => skiffAsync(["create", "--bundle", bundle.dir, id])));
    expect(created.map((r) => r.stderr)).toEqual(ids.map(() => ""));
    const listed = JSON.parse(rt.ok(["list", "--format", "json"]).stdout) as { id: string; status: string }[];
    for (const id of ids) expect(listed.find((c) => c.id === id)?.status).toBe("created");
    const deleted = await Promise.all(ids.map((id) => skiffAsync(["delete", "--force", id])));
    expect(deleted.map((r) => r.status)).toEqual(ids.map(() => 0));
    for (const id of ids) {
      expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
      expect(cgroupDirsNamed(id)).toEqual([]);
    }
  }, 180_000); // 60 containers: ~70 s in the emulated test guest (docs/test-guest.md)

  it("delete --force racing kill: the container goes, each command answers cleanly", async () => {
    for (let round = 0; round < 5; round++) {
      const id = rt.track(uniqueId("delkill"));
      rt.ok(["run", "--detach", "--bundle", bundle.dir, id]);
      const [del, kill] = await Promise.all([skiffAsync(["delete", "--force", id]), skiffAsync(["kill", id, "KILL"])]);
      expect(del.status, del.stderr).toBe(0);
      if (kill.status !== 0) expect(kill.stderr).toMatch(/does not exist|container not running/);
      expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
      expect(cgroupDirsNamed(id)).toEqual([]);
    }
  });

  it("delete --force of a container still being created: the create fails, nothing is left", async () => {
    for (const hook of ["createRuntime", "createContainer"] as const) {
      // The hook holds the create half-way: init forked, in its cgroups, waiting.
      const b = makeBundle(["sleep", "300"], (c) => {
        c.hooks = { [hook]: [{ path: "/bin/sleep", args: ["sleep", "1"] }] };
      });
      rt.trackDir(b.dir);
      const id = rt.track(uniqueId("delcreate"));
      const create = skiffAsync(["create", "--bundle", b.dir, id]);
      expect(await waitFor(() => rt.skiff(["state", id]).stdout.includes('"creating"'), 10_000)).toBe(true);
      const del = await skiffAsync(["delete", "--force", id]);
      expect(del.status, del.stderr).toBe(0);
      const created = await create;
      expect(created.status).not.toBe(0);
      expect(created.stderr.trim()).toBe(`container ${id} was deleted while it was being created`);
      expect(rt.skiff(["state", id]).stderr).toMatch(/does not exist/);
      expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
      expect(cgroupDirsNamed(id)).toEqual([]);
    }
  });

  it("update racing update: both changes are kept", async () => {
    for (let round = 0; round < 5; round++) {
      const id = rt.track(uniqueId("upd"));
      rt.ok(["run", "--detach", "--bundle", bundle.dir, id]);
      const limit = (100 + round) * 1024 * 1024;
      const pids = 200 + round;
      const [a, b] = await Promise.all([skiffAsync(["update", "--memory", String(limit), id]), skiffAsync(["update", "--pids-limit", String(pids), id])]);
      expect([a.stderr, b.stderr]).toEqual(["", ""]);
      const saved = loadCgroupManager((await new StateStore(rt.root).load(id)).cgroups).saved.resources;
      expect(saved?.memory?.limit).toBe(limit);
      expect(saved?.pids?.limit).toBe(pids);
      rt.ok(["delete", "--force", id]);
    }
  });

  it("kill --all of a forking workload without a pid namespace: nothing escapes (frozen while signalled)", async () => {
    // Without a pid namespace the init's death takes nothing along: every process must be caught
    // by --all, also those forked while it signals. pids.max bounds the fork loop.
    const b = makeBundle(["sh", "-c", "while :; do (sleep 1000 &) ; done"], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "pid");
      c.linux!.resources = { ...c.linux!.resources, pids: { limit: 100 } };
    });
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("forking"));
    rt.ok(["run", "--detach", "--bundle", b.dir, id]);
    const ps = () => JSON.parse(rt.ok(["ps", "--format", "json", id]).stdout) as number[];
    expect(await waitFor(() => ps().length > 20, 10_000)).toBe(true);
    rt.ok(["kill", "--all", id, "KILL"]);
    expect(await waitFor(() => ps().length === 0, 5_000), `left: ${ps().join(" ")}`).toBe(true);
    rt.ok(["delete", "--force", id]);
    expect(cgroupDirsNamed(id)).toEqual([]);
  });
});
