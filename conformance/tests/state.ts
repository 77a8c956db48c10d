// runtime.md "State" and "Query State": the state JSON in each status.
import * as fs from "node:fs";
import * as path from "node:path";
import type { State } from "../../src/spec/types.js";
import { check, checkEqual, fail } from "../assert.js";
import { procLink, waitFor, type ConformanceTest } from "../harness.js";
import type { Clause } from "../results.js";

const stateClause = (text: string, level: Clause["level"] = "MUST"): Clause => ({ doc: "runtime.md", section: "State", level, text });

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** The fields state-schema.json requires, with their types. */
function checkRequiredFields(state: State, id: string, bundleDir: string): void {
  check(typeof state.ociVersion === "string" && SEMVER.test(state.ociVersion), `ociVersion is not a SemVer string: ${JSON.stringify(state.ociVersion)}`);
  checkEqual(state.id, id, "id");
  check(typeof state.status === "string", "status is missing");
  checkEqual(state.bundle, fs.realpathSync(bundleDir), "bundle");
}

function checkLivePid(state: State): number {
  const { pid } = state;
  check(typeof pid === "number" && Number.isInteger(pid) && pid > 0, `pid must be present while ${state.status}: ${JSON.stringify(pid)}`);
  check(fs.existsSync(`/proc/${pid}`), `pid ${pid} names no process`);
  return pid;
}

export const stateTests: ConformanceTest[] = [
  {
    id: "state.created",
    clause: stateClause("a created container's state has ociVersion, id, status created, its pid and the absolute bundle path"),
    async run(t) {
      const c = t.container(t.bundle((spec) => (spec.process!.args = ["/bin/true"])));
      await c.createOk();
      const state = await c.stateOk();
      checkRequiredFields(state, c.id, c.bundle.dir);
      checkEqual(state.status, "created", "status");
      checkLivePid(state);
    },
  },
  {
    id: "state.running",
    clause: stateClause("a running container's state has status running and the pid of the container process"),
    async run(t) {
      const c = t.container(t.bundle((spec) => (spec.process!.args = ["/bin/sleep", "600"])));
      await c.createOk();
      const createdPid = (await c.stateOk()).pid;
      await c.startOk();
      const state = await c.waitForStatus("running");
      checkRequiredFields(state, c.id, c.bundle.dir);
      const pid = checkLivePid(state);
      checkEqual(pid, createdPid, "pid after start (the same container process)");
      // The runtime may report running a moment before the process's execve has completed.
      await waitFor("the process with the state's pid to run the user program (/bin/busybox)", 2_000, () =>
        procLink(pid, "exe").endsWith("/bin/busybox") ? true : undefined,
      );
    },
  },
  {
    id: "state.stopped",
    clause: stateClause("once the container process has exited, the status is stopped"),
    async run(t) {
      const c = t.container(t.bundle((spec) => (spec.process!.args = ["/bin/true"])));
      await c.createOk();
      await c.startOk();
      const state = await c.waitForStatus("stopped");
      checkRequiredFields(state, c.id, c.bundle.dir);
    },
  },
  {
    id: "state.annotations",
    clause: stateClause("the state carries the annotations of the config"),
    async run(t) {
      const annotations = { "org.example.conformance": "yes", "org.example.empty": "" };
      const c = t.container(t.bundle((spec) => (spec.annotations = annotations)));
      await c.createOk();
      checkEqual((await c.stateOk()).annotations, annotations, "annotations");
    },
  },
  {
    id: "state.bundle-absolute",
    clause: stateClause("bundle is the absolute path of the bundle, even when create was given a relative one"),
    async run(t) {
      const c = t.container();
      const parent = path.dirname(c.bundle.dir);
      const r = await c.create({ bundleArg: path.basename(c.bundle.dir), cwd: parent });
      if (r.code !== 0) fail(`create with a relative --bundle failed: ${r.stderr.trim()}`);
      checkEqual((await c.stateOk()).bundle, fs.realpathSync(c.bundle.dir), "bundle");
    },
  },
  {
    id: "state.pid-file",
    clause: stateClause(
      "the pid written by `create --pid-file` (runtime-tools' command line) is the state's pid, as bare digits",
      "SHOULD",
    ),
    async run(t) {
      const c = t.container();
      const pidFile = path.join(c.bundle.dir, "container.pid");
      await c.createOk({ pidFile });
      check(fs.existsSync(pidFile), "create --pid-file wrote no pid file");
      const content = fs.readFileSync(pidFile, "utf8");
      check(/^\d+$/.test(content), `pid file is not bare decimal digits: ${JSON.stringify(content)}`);
      checkEqual(Number(content), (await c.stateOk()).pid, "pid file against state pid");
    },
  },
];
