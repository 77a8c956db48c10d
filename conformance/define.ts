// Shapes of conformance tests built on the harness: a probe run in a container, a create that
// must fail and leave nothing behind, and what the test machine's filesystem can do.
import { spawnSync } from "node:child_process";
import type { Spec } from "../src/spec/types.js";
import { check, checkEqual } from "./assert.js";
import type { Bundle, ConformanceTest, Container, TestContext } from "./harness.js";
import { existingCgroupDirs } from "./host.js";
import type { ProbeReport } from "./probe-report.js";
import type { Clause } from "./results.js";

/** The container process: a shell script run by the rootfs's busybox. */
export function shell(script: string): string[] {
  return ["/bin/sh", "-c", script];
}

/**
 * A test that runs the probe in a container configured by `configure` and judges its report.
 * `probeArgs` are appended to `probe report` (e.g. ["--stat", "/dev/null"]).
 */
export function probeTest(def: {
  id: string;
  clause: Clause;
  probeArgs?: string[];
  configure?: (spec: Spec, bundle: Bundle) => void;
  expect: (report: ProbeReport, t: TestContext, container: Container) => void | Promise<void>;
}): ConformanceTest {
  return {
    id: def.id,
    clause: def.clause,
    async run(t) {
      const bundle = t.bundle((spec, b) => {
        spec.process!.args = ["/probe", "report", ...(def.probeArgs ?? [])];
        def.configure?.(spec, b);
      });
      const container = t.container(bundle);
      const report = await container.runToCompletion();
      await def.expect(report, t, container);
      await container.deleteOk();
    },
  };
}

/**
 * Creates and removes a container from `bundle` as it is now, so that a later refusal can be
 * blamed on what the test changes afterwards rather than on the base config or a broken runtime.
 */
export async function proveBundleCreates(t: TestContext, bundle: Bundle): Promise<void> {
  const control = t.container(bundle);
  await control.createOk();
  await control.kill("KILL");
  await control.waitForStatus("stopped");
  await control.deleteOk();
}

/**
 * A test of a config the spec says MUST make `create` fail: create errors, and (runtime.md
 * "Errors") the failed operation leaves no container behind, so `state` errors too. A control
 * container from the same bundle before the change proves the change, not the base, is refused.
 */
export function createFailsTest(def: {
  id: string;
  clause: Clause;
  configure: (spec: Spec, bundle: Bundle) => void;
}): ConformanceTest {
  return {
    id: def.id,
    clause: def.clause,
    async run(t) {
      const bundle = t.bundle((spec) => (spec.process!.args = ["/bin/true"]));
      await proveBundleCreates(t, bundle);
      const refusedCgroup = `${bundle.spec.linux!.cgroupsPath}-refused`;
      bundle.spec.linux!.cgroupsPath = refusedCgroup;
      def.configure(bundle.spec, bundle);
      bundle.write();
      const container = t.container(bundle);
      const created = await container.create();
      check(created.code !== 0, "create succeeded, but this config must make it fail");
      const state = await container.state();
      check(state.code !== 0, `after the failed create, state still finds the container: ${state.stdout.trim()}`);
      checkEqual(existingCgroupDirs(t.host, refusedCgroup), [], "cgroups left behind by the failed create");
    },
  };
}

// open_tree(OPEN_TREE_CLONE) a detached copy of the mount at argv[1] and mount_setattr
// MOUNT_ATTR_IDMAP on it with the user namespace argv[2]: "ok" or the errno's text. The copy is
// never attached anywhere and goes with the fd.
const IDMAP_PROBE = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
fd = libc.syscall(428, -100, sys.argv[1].encode(), 1 | 0o2000000)
attr = (ctypes.c_uint64 * 4)(0x00100000, 0, 0, os.open(sys.argv[2], os.O_RDONLY))
ok = fd >= 0 and libc.syscall(442, fd, b"", 0x1000, ctypes.byref(attr), 32) == 0
print("ok" if ok else os.strerror(ctypes.get_errno()))
`;

/** Whether the filesystem holding `dir` can be idmapped (ext4, xfs, btrfs; not 9p, nor overlayfs or tmpfs on older kernels). */
export function idmapSupported(dir: string): boolean {
  const script = 'unshare --user --map-root-user sleep 60 & p=$!; while [ "$(readlink /proc/$p/ns/user)" = "$(readlink /proc/self/ns/user)" ]; do sleep 0.01; done; python3 -c "$0" "$1" /proc/$p/ns/user; kill $p';
  return spawnSync("sh", ["-c", script, IDMAP_PROBE, dir], { encoding: "utf8" }).stdout.trim() === "ok";
}
