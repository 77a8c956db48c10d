import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { controllersFor, enableControllers } from "./v2.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A tree of plain files shaped like cgroup2: root/a/b, each offering `controllers`, none enabled. */
function fakeTree(controllers: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-fake-cg2-"));
  dirs.push(root);
  for (const d of [root, path.join(root, "a"), path.join(root, "a/b")]) {
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "cgroup.controllers"), controllers);
    fs.writeFileSync(path.join(d, "cgroup.subtree_control"), "");
    if (d !== root) fs.writeFileSync(path.join(d, "cgroup.type"), "domain\n");
  }
  return root;
}

describe("enableControllers", () => {
  it("enables what the resources need in every ancestor, not only the first (the needs come as an iterator)", () => {
    const root = fakeTree("cpuset hugetlb");
    const needed = controllersFor({ cpu: { cpus: "0" }, hugepageLimits: [{ pageSize: "2MB", limit: 0 }] });
    enableControllers(root, path.join(root, "a/b/c"), needed.keys(), needed);
    // Each "+x" is a write of its own; a plain file keeps the last one.
    const last = (d: string) => fs.readFileSync(path.join(root, d, "cgroup.subtree_control"), "utf8");
    expect([last("."), last("a"), last("a/b")]).toEqual(["+hugetlb", "+hugetlb", "+hugetlb"]);
  });

  it("for a new container, passes on below the root every controller an ancestor has; the root gets the baseline only", () => {
    const root = fakeTree("cpuset cpu memory hugetlb");
    enableControllers(root, path.join(root, "a/b/c"), ["cpu", "memory"], new Map(), { passOnBelowRoot: true });
    // A plain file keeps the last write: the offered ones come after the baseline.
    const last = (d: string) => fs.readFileSync(path.join(root, d, "cgroup.subtree_control"), "utf8");
    expect([last("."), last("a"), last("a/b")]).toEqual(["+memory", "+hugetlb", "+hugetlb"]);
  });
});
