// Test support for the security integration tests: containers run from a tracked bundle, and
// a create that must fail leaving nothing behind.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import type { Spec } from "../spec/types.js";
import { cgroupDirsNamed, makeBundle, uniqueId, type Bundle, type Result, type Runtime } from "../testing/harness.js";

export function securityHelpers(rt: Runtime) {
  function bundle(args: string[], edit?: (c: Spec, dir: string) => void): Bundle {
    const b = makeBundle(args);
    rt.trackDir(b.dir);
    edit?.(b.config, b.dir);
    b.save();
    return b;
  }

  function run(args: string[], edit?: (c: Spec, dir: string) => void): Result {
    const b = bundle(args, edit);
    return rt.skiff(["run", "--bundle", b.dir, uniqueId()]);
  }

  /** stdout of a container that must succeed */
  function output(args: string[], edit?: (c: Spec, dir: string) => void): string {
    const r = run(args, edit);
    if (r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  /** A create that must fail: its error text, after checking it left nothing behind. */
  function createError(edit: (c: Spec, dir: string) => void): string {
    const b = bundle(["true"], edit);
    const id = uniqueId();
    const r = rt.skiff(["create", "--bundle", b.dir, id]);
    if (r.status === 0) rt.track(id);
    expect(r.status).toBe(1);
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
    expect(cgroupDirsNamed(id)).toEqual([]);
    return r.stderr.trim();
  }

  function hostDir(): string {
    return rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-sec-")));
  }

  return { bundle, run, output, createError, hostDir };
}
