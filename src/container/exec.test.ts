import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SavedCgroups } from "../cgroups/index.js";
import { execCgroups } from "./exec.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-execcg-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// A hybrid-style layout: one directory per controller, plus the unified ("") one.
const saved: SavedCgroups = {
  version: 1,
  mode: "hybrid",
  paths: { memory: path.join(root, "memory/ct"), pids: path.join(root, "pids/ct"), "": path.join(root, "unified/ct") },
  created: [],
};
for (const dir of Object.values(saved.paths)) fs.mkdirSync(path.join(dir, "sub/deeper"), { recursive: true });

describe("execCgroups (--cgroup)", () => {
  it("without --cgroup: the container's own cgroups", () => {
    expect(execCgroups(saved, [])).toBe(saved);
  });

  it("a bare path applies below every hierarchy", () => {
    const got = execCgroups(saved, ["sub/deeper"]);
    expect(got.paths).toEqual({ memory: path.join(root, "memory/ct/sub/deeper"), pids: path.join(root, "pids/ct/sub/deeper"), "": path.join(root, "unified/ct/sub/deeper") });
    expect(saved.paths.memory).toBe(path.join(root, "memory/ct")); // not modified
  });

  it("controller[,controller]:path applies to those only", () => {
    const got = execCgroups(saved, ["memory,pids:sub"]);
    expect(got.paths).toEqual({ memory: path.join(root, "memory/ct/sub"), pids: path.join(root, "pids/ct/sub"), "": saved.paths[""] });
  });

  it("refuses what runc refuses, and what would leave the container's cgroup", () => {
    expect(() => execCgroups(saved, ["sub", "memory:sub"])).toThrow(/controller prefix/);
    expect(() => execCgroups(saved, [":sub"])).toThrow(/empty controller/);
    expect(() => execCgroups(saved, ["memory:sub", "memory:sub"])).toThrow(/more than once/);
    expect(() => execCgroups(saved, ["cpu:sub"])).toThrow(/unknown controller cpu/);
    expect(() => execCgroups(saved, ["memory:../other"])).toThrow("--cgroup: ../other is not a sub cgroup path");
    expect(() => execCgroups(saved, [".."])).toThrow("--cgroup: .. is not a sub cgroup path");
  });

  it("as runc, a path is taken below the container's cgroup: / is the cgroup itself", () => {
    expect(execCgroups(saved, ["/"]).paths).toEqual(saved.paths);
    expect(execCgroups(saved, ["memory:/sub"]).paths.memory).toBe(path.join(root, "memory/ct/sub"));
  });
});
