// runtime.md "Lifecycle" and "Operations": what each operation does in each state.
import * as fs from "node:fs";
import * as path from "node:path";
import { check, checkEqual } from "../assert.js";
import { proveBundleCreates, shell } from "../define.js";
import { describeRun, procLink, sleep, waitFor, type Container, type ConformanceTest, type TestContext } from "../harness.js";
import { existingCgroupDirs, hostCgroupDir, underOwnCgroups } from "../host.js";
import type { Spec } from "../../src/spec/types.js";
import type { Clause } from "../results.js";

const runtimeMd = (section: string, text: string, level: Clause["level"] = "MUST"): Clause => ({
  doc: "runtime.md",
  section,
  level,
  text,
});

/** How long "the process did not run" is watched for: long past any runtime's create latency. */
const QUIET_MS = 300;

/** A container whose process lives until killed (for the running state). */
async function running(t: TestContext): Promise<Container> {
  const c = t.container(t.bundle((spec) => (spec.process!.args = ["/bin/sleep", "600"])));
  await c.createOk();
  await c.startOk();
  await c.waitForStatus("running");
  return c;
}

/** A container whose process has exited (for the stopped state). */
async function stopped(t: TestContext): Promise<Container> {
  const c = t.container(t.bundle((spec) => (spec.process!.args = ["/bin/true"])));
  await c.createOk();
  await c.startOk();
  await c.waitForStatus("stopped");
  return c;
}

async function created(t: TestContext): Promise<Container> {
  const c = t.container(t.bundle((spec) => (spec.process!.args = ["/bin/sleep", "600"])));
  await c.createOk();
  return c;
}

/**
 * mkdir of a cgroup; a v1 cpuset one also gets its parent's cpus and mems, without which no task
 * may join it. (A v2 cpuset with none uses its parent's; the v2 root has no such files at all.)
 */
function makeUsableCgroup(dir: string): void {
  fs.mkdirSync(dir);
  if (fs.existsSync(path.join(dir, "cgroup.controllers"))) return; // cgroup v2
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    const own = path.join(dir, file);
    if (fs.existsSync(own) && fs.readFileSync(own, "utf8").trim() === "") {
      fs.writeFileSync(own, fs.readFileSync(path.join(path.dirname(dir), file), "utf8"));
    }
  }
}

/** An id no container has: a fresh container that was never created. */
function unknown(t: TestContext): Container {
  return t.container();
}

type Operation = "start" | "kill" | "delete";

const invoke = (c: Container, op: Operation) => (op === "start" ? c.start() : op === "kill" ? c.kill("KILL") : c.delete());

/**
 * An operation the spec forbids in a state must error and leave the container as it was:
 * same status, same pid.
 */
function mustErrorWithoutEffect(def: {
  id: string;
  clause: Clause;
  op: Operation;
  setUp: (t: TestContext) => Promise<Container>;
}): ConformanceTest {
  return {
    id: def.id,
    clause: def.clause,
    async run(t) {
      const c = await def.setUp(t);
      const before = await c.stateOk();
      const r = await invoke(c, def.op);
      check(r.code !== 0, `${def.op} succeeded on a ${before.status} container`);
      const after = await c.stateOk();
      checkEqual(after.status, before.status, `status after the refused ${def.op}`);
      checkEqual(after.pid, before.pid, `pid after the refused ${def.op}`);
    },
  };
}

/**
 * A config that cannot be started: start must error, unless create already refused it (a
 * runtime MAY validate first). The unchanged bundle must create fine, so a broken runtime fails.
 */
function createOrStartFails(def: { id: string; clause: Clause; change: (spec: Spec) => void }): ConformanceTest {
  return {
    id: def.id,
    clause: def.clause,
    async run(t) {
      const bundle = t.bundle();
      await proveBundleCreates(t, bundle);
      def.change(bundle.spec);
      bundle.write();
      const c = t.container(bundle);
      if ((await c.create()).code !== 0) return;
      const started = await c.start();
      check(started.code !== 0, "both create and start succeeded");
    },
  };
}

function unknownIdErrors(op: Operation | "state", section: string): ConformanceTest {
  return {
    id: `lifecycle.${op}-unknown-id-errors`,
    clause: runtimeMd(section, `${op} of an id that names no container must generate an error`),
    async run(t) {
      // With a real container present, so that a runtime that fails every call cannot pass.
      await created(t);
      const c = unknown(t);
      const r = op === "state" ? await c.state() : await invoke(c, op);
      check(r.code !== 0, `${op} of the unknown id ${c.id} succeeded: ${r.stdout.trim()}`);
    },
  };
}

export const lifecycleTests: ConformanceTest[] = [
  {
    id: "lifecycle.create-does-not-run-process",
    clause: runtimeMd("Create", "create applies the config but must not run process.args until start"),
    async run(t) {
      const c = t.container(t.bundle((spec) => (spec.process!.args = shell("touch /ran"))));
      await c.createOk();
      await sleep(QUIET_MS);
      check(!fs.existsSync(path.join(c.bundle.rootfs, "ran")), "the user process ran before start");
      checkEqual((await c.stateOk()).status, "created", "status after create");
    },
  },
  {
    id: "lifecycle.start-runs-process",
    clause: runtimeMd("Start", "start must run the user-specified program"),
    async run(t) {
      const c = t.container(t.bundle((spec) => (spec.process!.args = shell("echo started > /ran"))));
      await c.createOk();
      await c.startOk();
      const marker = path.join(c.bundle.rootfs, "ran");
      await waitFor("the process's marker file", 5_000, () => (fs.existsSync(marker) ? true : undefined));
      await c.waitForStatus("stopped");
      checkEqual(fs.readFileSync(marker, "utf8"), "started\n", "marker content");
    },
  },
  {
    id: "lifecycle.config-changes-after-create-ignored",
    clause: runtimeMd("Lifecycle", "updates to config.json after create must not affect the container"),
    async run(t) {
      const bundle = t.bundle((spec) => (spec.process!.args = shell("touch /original")));
      const c = t.container(bundle);
      await c.createOk();
      bundle.spec.process!.args = shell("touch /changed");
      bundle.write();
      await c.startOk();
      await c.waitForStatus("stopped");
      check(!fs.existsSync(path.join(bundle.rootfs, "changed")), "start ran the args written after create");
      check(fs.existsSync(path.join(bundle.rootfs, "original")), "start did not run the args given at create");
    },
  },
  {
    id: "lifecycle.create-duplicate-id-errors",
    clause: runtimeMd("Create", "create with an id already in use must error and must not create a new container"),
    async run(t) {
      const first = await created(t);
      const before = await first.stateOk();
      const twin = t.container(t.bundle());
      const r = await t.runtime.run(["create", "--bundle", twin.bundle.dir, first.id], {
        cwd: twin.bundle.dir,
        stdio: { stdout: twin.out, stderr: twin.err },
      });
      check(r.code !== 0, "a second create with the same id succeeded");
      checkEqual(existingCgroupDirs(t.host, twin.bundle.spec.linux!.cgroupsPath!), [], "cgroups made by the refused create");
      const after = await first.stateOk();
      checkEqual(after.bundle, before.bundle, "bundle of the existing container");
      checkEqual(after.pid, before.pid, "pid of the existing container");
      checkEqual(after.status, "created", "status of the existing container");
    },
  },
  {
    id: "lifecycle.create-impossible-environment-errors",
    clause: runtimeMd(
      "Lifecycle",
      "if the environment in config.json cannot be created (here: root.path missing), create must error and leave no container",
    ),
    async run(t) {
      const bundle = t.bundle();
      await proveBundleCreates(t, bundle);
      bundle.spec.root!.path = "no-such-rootfs";
      bundle.write();
      const c = t.container(bundle);
      const r = await c.create();
      check(r.code !== 0, "create succeeded without a root filesystem");
      const state = await c.state();
      check(state.code !== 0, `state still finds the container after the failed create: ${state.stdout.trim()}`);
    },
  },
  createOrStartFails({
    id: "lifecycle.start-without-process-errors",
    clause: runtimeMd("Start", "start must generate an error when config.json has no process"),
    change: (spec) => delete spec.process,
  }),
  createOrStartFails({
    id: "lifecycle.start-missing-executable-errors",
    clause: runtimeMd("Start", "start must run process.args; a program that does not exist must make create or start error"),
    change: (spec) => (spec.process!.args = ["/no/such/program"]),
  }),
  mustErrorWithoutEffect({
    id: "lifecycle.start-running-errors",
    clause: runtimeMd("Start", "start of a container that is not created (here: running) must error and have no effect"),
    op: "start",
    setUp: running,
  }),
  mustErrorWithoutEffect({
    id: "lifecycle.start-stopped-errors",
    clause: runtimeMd("Start", "start of a container that is not created (here: stopped) must error and have no effect"),
    op: "start",
    setUp: stopped,
  }),
  unknownIdErrors("start", "Start"),
  {
    id: "lifecycle.kill-created-delivers",
    clause: runtimeMd("Kill", "kill is allowed on a created container and must send the signal to the container process"),
    async run(t) {
      const c = await created(t);
      const r = await c.kill("KILL");
      check(r.code === 0, `kill of a created container failed: ${describeRun(r)}`);
      await c.waitForStatus("stopped");
    },
  },
  {
    id: "lifecycle.kill-running-delivers-named-signal",
    clause: runtimeMd("Kill", "kill must send the specified signal (here: USR1) to the container process"),
    async run(t) {
      const c = t.container(t.bundle((spec) => (spec.process!.args = ["/probe", "wait-signal", "/signal"])));
      await c.createOk();
      await c.startOk();
      const ready = path.join(c.bundle.rootfs, "signal.ready");
      await waitFor("the probe's signal handlers", 5_000, () => (fs.existsSync(ready) ? true : undefined));
      const r = await c.kill("USR1");
      check(r.code === 0, `kill USR1 failed: ${describeRun(r)}`);
      const got = path.join(c.bundle.rootfs, "signal");
      const signal = await waitFor("the probe to report a signal", 5_000, () =>
        fs.existsSync(got) ? fs.readFileSync(got, "utf8") : undefined,
      );
      checkEqual(signal, "10", "signal number the process received (SIGUSR1 is 10)");
    },
  },
  mustErrorWithoutEffect({
    id: "lifecycle.kill-stopped-errors",
    clause: runtimeMd("Kill", "kill of a container that is neither created nor running (here: stopped) must error and have no effect"),
    op: "kill",
    setUp: stopped,
  }),
  unknownIdErrors("kill", "Kill"),
  mustErrorWithoutEffect({
    id: "lifecycle.delete-created-errors",
    clause: runtimeMd("Delete", "delete of a container that is not stopped (here: created) must error and have no effect"),
    op: "delete",
    setUp: created,
  }),
  mustErrorWithoutEffect({
    id: "lifecycle.delete-running-errors",
    clause: runtimeMd("Delete", "delete of a container that is not stopped (here: running) must error and have no effect"),
    op: "delete",
    setUp: running,
  }),
  {
    id: "lifecycle.delete-stopped-removes",
    clause: runtimeMd("Delete", "delete of a stopped container works and the container no longer exists afterwards"),
    async run(t) {
      const c = await stopped(t);
      await c.deleteOk();
      const r = await c.state();
      check(r.code !== 0, `state still finds the deleted container: ${r.stdout.trim()}`);
    },
  },
  {
    id: "lifecycle.delete-removes-cgroup",
    clause: runtimeMd("Delete", "deleting must delete the resources made by create (here: the container's cgroups)"),
    async run(t) {
      const c = await running(t);
      const { pid } = await c.stateOk();
      const cgroupsPath = c.bundle.spec.linux!.cgroupsPath!;
      const dirs = t.host.cgroupMounts
        .flatMap((m) => (m.fsType === "cgroup2" ? [""] : m.controllers.filter((x) => !x.startsWith("name="))))
        .map((controller) => hostCgroupDir(t.host, pid!, controller))
        .filter((dir): dir is string => dir !== undefined && dir.endsWith(cgroupsPath));
      check(dirs.length > 0, `the container's process is in no cgroup named after cgroupsPath ${cgroupsPath}`);
      await c.kill("KILL");
      await c.waitForStatus("stopped");
      await c.deleteOk();
      const left = dirs.filter((dir) => fs.existsSync(dir));
      checkEqual(left, [], "cgroup directories left after delete");
    },
  },
  {
    id: "lifecycle.delete-keeps-bind-source",
    clause: runtimeMd("Delete", "delete must not delete resources it did not create (here: the host directory a mount bound in)"),
    async run(t) {
      const bundle = t.bundle((spec, b) => {
        fs.mkdirSync(path.join(b.dir, "volume"));
        fs.writeFileSync(path.join(b.dir, "volume/data"), "keep me");
        spec.mounts!.push({ destination: "/volume", type: "bind", source: path.join(b.dir, "volume"), options: ["rbind"] });
        spec.process!.args = ["/bin/true"];
      });
      const c = t.container(bundle);
      await c.createOk();
      await c.startOk();
      await c.waitForStatus("stopped");
      await c.deleteOk();
      const data = path.join(bundle.dir, "volume/data");
      check(fs.existsSync(data) && fs.readFileSync(data, "utf8") === "keep me", "delete removed or changed the bind mount's source");
    },
  },
  {
    id: "lifecycle.delete-keeps-joined-namespace",
    clause: runtimeMd("Delete", "delete must not delete resources it did not create (here: a namespace the container joined, and its owner)"),
    async run(t) {
      const holder = await created(t);
      const { pid } = await holder.stateOk();
      const netns = procLink(pid, "ns/net");
      const joiner = t.container(
        t.bundle((spec) => {
          spec.process!.args = ["/bin/true"];
          spec.linux!.namespaces = spec.linux!.namespaces!.map((ns) => (ns.type === "network" ? { type: "network", path: `/proc/${pid}/ns/net` } : ns));
        }),
      );
      await joiner.createOk();
      await joiner.startOk();
      await joiner.waitForStatus("stopped");
      await joiner.deleteOk();
      const after = await holder.stateOk();
      checkEqual([after.status, after.pid], ["created", pid], "status and pid of the namespace's owner");
      checkEqual(procLink(pid, "ns/net"), netns, "the owner's network namespace");
    },
  },
  {
    id: "lifecycle.delete-keeps-preexisting-cgroup",
    clause: runtimeMd("Delete", "delete must not delete resources it did not create (here: a cgroup that existed before create)"),
    async run(t) {
      const bundle = t.bundle((spec) => (spec.process!.args = ["/bin/true"]));
      const dirs = underOwnCgroups(t.host, bundle.spec.linux!.cgroupsPath!);
      for (const dir of dirs) makeUsableCgroup(dir);
      const c = t.container(bundle);
      await c.createOk();
      await c.startOk();
      await c.waitForStatus("stopped");
      await c.deleteOk();
      checkEqual(dirs.filter((dir) => !fs.existsSync(dir)), [], "pre-existing cgroups removed by delete");
    },
  },
  unknownIdErrors("delete", "Delete"),
  unknownIdErrors("state", "Query State"),
  {
    id: "lifecycle.operations-without-id-error",
    clause: runtimeMd("Operations", "state, start, kill and delete must generate an error when not given a container id"),
    async run(t) {
      const cwd = (await created(t)).bundle.dir;
      for (const args of [["state"], ["start"], ["kill"], ["delete"]]) {
        const r = await t.runtime.run(args, { cwd });
        check(r.code !== 0, `\`${args.join(" ")}\` without an id succeeded`);
      }
    },
  },
];
