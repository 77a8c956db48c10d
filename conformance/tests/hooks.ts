// config.md "POSIX-platform Hooks" and runtime.md "Lifecycle" steps 3-13: when each hook runs,
// what it gets on stdin, and what a failing hook does to the operation.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Hook, Hooks, State } from "../../src/spec/types.js";
import { check, checkEqual, fail } from "../assert.js";
import { proveBundleCreates, shell } from "../define.js";
import { procLink, recordingHook, sleep, type Bundle, type ConformanceTest, type TestContext } from "../harness.js";
import { existingCgroupDirs } from "../host.js";
import type { Clause } from "../results.js";

type HookName = keyof Hooks;

const CREATE_HOOKS: HookName[] = ["prestart", "createRuntime", "createContainer"];

/** config.md: the namespace each kind of hook is executed in. */
const NAMESPACE_OF_HOOK: [HookName, "runtime" | "container"][] = [
  ["prestart", "runtime"],
  ["createRuntime", "runtime"],
  ["createContainer", "container"],
  ["startContainer", "container"],
  ["poststart", "runtime"],
  ["poststop", "runtime"],
];

/** Hooks run in the runtime mount namespace write to the rootfs through its host path; startContainer's path resolves inside the container. */
function hookFor(name: HookName, bundle: Bundle, extra = ""): Hook {
  return name === "startContainer" ? recordingHook(name, "/hooks-out", extra) : recordingHook(name, path.join(bundle.rootfs, "hooks-out"), extra);
}

function failingHook(name: HookName, bundle: Bundle): Hook {
  return hookFor(name, bundle, "; exit 1");
}

const outDir = (bundle: Bundle): string => path.join(bundle.rootfs, "hooks-out");

function order(bundle: Bundle): string[] {
  const file = path.join(outDir(bundle), "order");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
}

function hookState(bundle: Bundle, name: string): State {
  const file = path.join(outDir(bundle), `${name}.json`);
  check(fs.existsSync(file), `the ${name} hook did not run`);
  const text = fs.readFileSync(file, "utf8");
  try {
    return JSON.parse(text) as State;
  } catch {
    fail(`the ${name} hook's stdin is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
}

/** What one full lifecycle with every kind of hook left behind. */
interface HookRun {
  bundle: Bundle;
  id: string;
  /** Host pid of the container process (from state). */
  pid: number;
  /** Contents of the order file when create returned, when start returned, once the process had exited, and when delete returned. */
  afterCreate: string[];
  afterStart: string[];
  beforeDelete: string[];
  afterDelete: string[];
  /** Whether the user process found startContainer's record when it began. */
  processSawStartContainer: boolean;
  /** The container's mount namespace, read from the host while it was created. */
  containerMntNs: string;
}

/** create, start, wait, delete with one recording hook of each kind (two prestart ones). */
async function runWithAllHooks(t: TestContext): Promise<HookRun> {
  const bundle = t.bundle((spec, b) => {
    spec.process!.args = shell("if test -e /hooks-out/startContainer.json; then echo yes; else echo no; fi > /hooks-out/process-saw");
    spec.hooks = {
      prestart: [hookFor("prestart", b), recordingHook("prestart2", outDir(b))],
      createRuntime: [hookFor("createRuntime", b)],
      createContainer: [hookFor("createContainer", b)],
      startContainer: [hookFor("startContainer", b)],
      poststart: [hookFor("poststart", b)],
      poststop: [hookFor("poststop", b)],
    };
  });
  const c = t.container(bundle);
  await c.createOk();
  const afterCreate = order(bundle);
  const { pid } = await c.stateOk();
  const containerMntNs = procLink(pid, "ns/mnt");
  await c.startOk();
  const afterStart = order(bundle);
  await c.waitForStatus("stopped");
  const beforeDelete = order(bundle);
  await c.deleteOk();
  const afterDelete = order(bundle);
  const saw = path.join(outDir(bundle), "process-saw");
  return {
    bundle,
    id: c.id,
    pid: pid!,
    afterCreate,
    afterStart,
    beforeDelete,
    afterDelete,
    processSawStartContainer: fs.existsSync(saw) && fs.readFileSync(saw, "utf8").trim() === "yes",
    containerMntNs,
  };
}

const hooksClause = (text: string, level: Clause["level"] = "MUST"): Clause => ({ doc: "config.md", section: "POSIX-platform Hooks", level, text });

function lifecycleTest(id: string, clause: Clause, expect: (run: HookRun) => void): ConformanceTest {
  return {
    id,
    clause,
    async run(t) {
      expect(await runWithAllHooks(t));
    },
  };
}

/** A create-time hook that fails: create errors, the process never runs, poststop still runs. */
function failingCreateHookTest(name: HookName): ConformanceTest {
  return {
    id: `hooks.${name}-failure-fails-create`,
    clause: {
      doc: "runtime.md",
      section: "Lifecycle",
      level: "MUST",
      text: `if a ${name} hook fails, create must error, stop the container and go on to destroy it and run the poststop hooks`,
    },
    async run(t) {
      const bundle = t.bundle((spec, b) => {
        spec.process!.args = shell("touch /ran");
        spec.hooks = { [name]: [failingHook(name, b)], poststop: [hookFor("poststop", b)] };
      });
      const c = t.container(bundle);
      const r = await c.create();
      check(r.code !== 0, `create succeeded although the ${name} hook failed`);
      check(order(bundle).includes(name), `the ${name} hook never ran`);
      const state = await c.state();
      if (state.code === 0) {
        // Still listed: it must at least be stopped, and the user process must not run.
        checkEqual((JSON.parse(state.stdout) as State).status, "stopped", "status after the failed create");
      }
      check(!fs.existsSync(path.join(bundle.rootfs, "ran")), "the user process ran");
      check(order(bundle).includes("poststop"), "the poststop hooks did not run after the failed create");
      checkEqual(existingCgroupDirs(t.host, bundle.spec.linux!.cgroupsPath!), [], "cgroups left behind by the failed create");
    },
  };
}

export const hookTests: ConformanceTest[] = [
  lifecycleTest(
    "hooks.create-hooks-order",
    hooksClause("prestart, createRuntime and createContainer hooks run during create, in that order, each kind in its listed order"),
    (run) => checkEqual(run.afterCreate, ["prestart", "prestart2", "createRuntime", "createContainer"], "hooks run by create"),
  ),
  lifecycleTest(
    "hooks.start-container-before-process",
    hooksClause("startContainer hooks run as part of start, before the user-specified process is executed"),
    (run) => check(run.processSawStartContainer, "the user process started before the startContainer hook had run"),
  ),
  lifecycleTest(
    "hooks.poststart-before-start-returns",
    hooksClause("poststart hooks run as part of start, after the user process is executed (so after startContainer) and before start returns"),
    (run) => {
      check(run.afterStart.includes("poststart") && !run.afterCreate.includes("poststart"), `poststart did not run during start: create left [${run.afterCreate}], start [${run.afterStart}]`);
      // startContainer precedes the user process, which precedes poststart.
      const final = run.afterDelete;
      check(final.indexOf("startContainer") < final.indexOf("poststart"), `poststart ran before startContainer: [${final}]`);
    },
  ),
  lifecycleTest(
    "hooks.poststop-before-delete-returns",
    hooksClause("poststop hooks run after the container is deleted and before delete returns"),
    (run) => checkEqual(run.afterDelete.slice(run.beforeDelete.length), ["poststop"], "hooks run by delete"),
  ),
  lifecycleTest(
    "hooks.state-on-stdin",
    hooksClause("every hook gets the container's state on stdin: ociVersion, id, status, bundle"),
    (run) => {
      for (const name of ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]) {
        const state = hookState(run.bundle, name);
        checkEqual(state.id, run.id, `${name}: id`);
        checkEqual(state.bundle, fs.realpathSync(run.bundle.dir), `${name}: bundle`);
        check(typeof state.ociVersion === "string" && typeof state.status === "string", `${name}: ociVersion or status missing`);
      }
    },
  ),
  lifecycleTest(
    "hooks.state-status",
    {
      doc: "runtime.md",
      section: "Lifecycle",
      level: "SHOULD",
      text: "the status a hook sees matches its lifecycle step: created for the hooks that run once the environment exists (`created` is \"after step 2\"; prestart, createRuntime, createContainer, startContainer), running for poststart, stopped for poststop",
    },
    (run) => {
      const expected: Record<string, string> = {
        prestart: "created",
        createRuntime: "created",
        createContainer: "created",
        startContainer: "created",
        poststart: "running",
        poststop: "stopped",
      };
      const got = Object.fromEntries(Object.keys(expected).map((name) => [name, hookState(run.bundle, name).status]));
      checkEqual(got, expected, "status seen by each hook");
    },
  ),
  lifecycleTest(
    "hooks.namespaces",
    hooksClause(
      "prestart, createRuntime, poststart and poststop hooks run in the runtime namespace; createContainer and startContainer ones in the container namespace (checked for the mount namespace)",
    ),
    (run) => {
      const mntns = (name: string): string => {
        const file = path.join(outDir(run.bundle), `${name}.mntns`);
        check(fs.existsSync(file), `the ${name} hook did not run`);
        return fs.readFileSync(file, "utf8").trim();
      };
      const runtimeNs = fs.readlinkSync("/proc/self/ns/mnt");
      const got = Object.fromEntries(NAMESPACE_OF_HOOK.map(([name]) => [name, mntns(name)]));
      const expected = Object.fromEntries(NAMESPACE_OF_HOOK.map(([name, where]) => [name, where === "runtime" ? runtimeNs : run.containerMntNs]));
      checkEqual(got, expected, "mount namespace of each hook");
    },
  ),
  lifecycleTest(
    "hooks.state-pid-runtime-namespace",
    { doc: "runtime.md", section: "State", level: "MUST", text: "hooks run in the runtime namespace see the container's pid as the runtime sees it" },
    (run) => {
      for (const name of ["createRuntime", "poststart"]) checkEqual(hookState(run.bundle, name).pid, run.pid, `${name}: pid`);
    },
  ),
  {
    id: "hooks.args-and-env",
    clause: hooksClause("a hook is executed with its args as argv and its env as environment"),
    async run(t) {
      const bundle = t.bundle((spec, b) => {
        spec.hooks = {
          prestart: [
            {
              path: "/bin/sh",
              args: ["sh", "-c", `echo "$0|$1|$HOOK_VALUE" > ${outDir(b)}/args`, "zeroth", "first"],
              env: ["HOOK_VALUE=from-env"],
            },
          ],
        };
      });
      const c = t.container(bundle);
      await c.createOk();
      const seen = path.join(outDir(bundle), "args");
      check(fs.existsSync(seen), "the prestart hook did not run");
      checkEqual(fs.readFileSync(seen, "utf8"), "zeroth|first|from-env\n", "what the hook saw");
    },
  },
  ...CREATE_HOOKS.map(failingCreateHookTest),
  {
    id: "hooks.startContainer-failure-fails-start",
    clause: { doc: "runtime.md", section: "Lifecycle", level: "MUST", text: "if a startContainer hook fails, start must error and the user process must not run" },
    async run(t) {
      const bundle = t.bundle((spec, b) => {
        spec.process!.args = shell("touch /ran");
        spec.hooks = { startContainer: [failingHook("startContainer", b)] };
      });
      const c = t.container(bundle);
      await c.createOk();
      const r = await c.start();
      check(r.code !== 0, "start succeeded although the startContainer hook failed");
      await sleep(300);
      check(!fs.existsSync(path.join(bundle.rootfs, "ran")), "the user process ran");
    },
  },
  {
    id: "hooks.poststart-failure-fails-start",
    clause: {
      doc: "runtime.md",
      section: "Lifecycle",
      level: "MUST",
      text: "if a poststart hook fails, start must error and the container must be stopped (new in 1.3.0; before, only a warning)",
    },
    async run(t) {
      const bundle = t.bundle((spec, b) => {
        spec.process!.args = ["/bin/sleep", "600"];
        spec.hooks = { poststart: [failingHook("poststart", b)] };
      });
      const c = t.container(bundle);
      await c.createOk();
      const r = await c.start();
      check(r.code !== 0, "start succeeded although the poststart hook failed");
      const state = await c.state();
      if (state.code === 0) await c.waitForStatus("stopped", 5_000);
    },
  },
  {
    id: "hooks.poststop-failure-is-a-warning",
    clause: {
      doc: "runtime.md",
      section: "Lifecycle",
      level: "MUST",
      text: "a failing poststop hook is only a warning: delete succeeds and the remaining poststop hooks run",
    },
    async run(t) {
      const bundle = t.bundle((spec, b) => {
        spec.process!.args = ["/bin/true"];
        spec.hooks = { poststop: [failingHook("poststop", b), recordingHook("poststop2", outDir(b))] };
      });
      const c = t.container(bundle);
      await c.createOk();
      await c.startOk();
      await c.waitForStatus("stopped");
      const r = await c.delete();
      check(r.code === 0, `delete failed because of the poststop hook: ${r.stderr.trim()}`);
      checkEqual(order(bundle), ["poststop", "poststop2"], "poststop hooks run");
      check((await c.state()).code !== 0, "the container still exists after delete");
    },
  },
  {
    id: "hooks.timeout",
    clause: hooksClause("a hook still running after its timeout (seconds) is aborted, which fails the operation", "SHOULD"),
    async run(t) {
      const bundle = t.bundle();
      await proveBundleCreates(t, bundle);
      bundle.spec.hooks = { prestart: [{ path: "/bin/sleep", args: ["sleep", "20"], timeout: 1 }] };
      bundle.write();
      const c = t.container(bundle);
      const began = Date.now();
      const r = await c.create();
      const seconds = (Date.now() - began) / 1000;
      check(r.code !== 0, "create succeeded although its prestart hook outlived its timeout");
      check(seconds < 10, `create took ${seconds.toFixed(1)} s: the 1 s timeout did not abort the hook`);
    },
  },
];
