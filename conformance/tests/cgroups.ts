// config-linux.md "Control groups", "Cgroups Path" and the resources the runtime writes.
import * as fs from "node:fs";
import * as path from "node:path";
import type { LinuxResources } from "../../src/spec/types.js";
import { check, checkEqual, hostCgroupDir, probeTest, shell, skip, type ConformanceTest, type Container, type TestContext } from "../harness.js";
import { isProbeError, parseCgroupFile, probeValue } from "../probe-report.js";
import type { Clause } from "../results.js";

const cgroupClause = (section: string, text: string, level: Clause["level"] = "MUST"): Clause => ({ doc: "config-linux.md", section, level, text });

/** Real controllers of the mounted hierarchies ("" stands for the cgroup v2 one). */
function controllers(t: TestContext): string[] {
  return t.host.cgroupMounts.flatMap((m) => (m.fsType === "cgroup2" ? [""] : m.controllers.filter((c) => !c.startsWith("name="))));
}

async function runningWith(t: TestContext, configure: (resources: LinuxResources) => void, cgroupsPath?: string): Promise<Container> {
  const c = t.container(
    t.bundle((spec) => {
      spec.process!.args = ["/bin/sleep", "600"];
      if (cgroupsPath !== undefined) spec.linux!.cgroupsPath = cgroupsPath;
      spec.linux!.resources = {};
      configure(spec.linux!.resources);
    }),
  );
  await c.createOk();
  await c.startOk();
  return c;
}

/** The host file `file` of the container's cgroup in `controller`'s hierarchy, or a skip. */
async function cgroupFile(t: TestContext, c: Container, controller: string, file: string): Promise<string> {
  const { pid } = await c.stateOk();
  const dir = hostCgroupDir(t.host, pid!, controller);
  if (dir === undefined) skip(`no ${controller} cgroup hierarchy is mounted`);
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) skip(`${full} does not exist on this kernel`);
  return fs.readFileSync(full, "utf8").trim();
}

/** A resources test: a v1 file and, when only v2 exists, its v2 equivalent. */
function resourceTest(def: {
  id: string;
  text: string;
  configure: (resources: LinuxResources) => void;
  controller: string;
  v1: [file: string, value: string];
  v2: [file: string, value: string];
}): ConformanceTest {
  return {
    id: def.id,
    clause: cgroupClause("Control groups", def.text),
    async run(t) {
      const c = await runningWith(t, def.configure);
      const v1 = t.host.cgroupMounts.some((m) => m.controllers.includes(def.controller));
      const [file, value] = v1 ? def.v1 : def.v2;
      checkEqual(await cgroupFile(t, c, v1 ? def.controller : "", file), value, file);
    },
  };
}

/** /dev/kmsg: no runtime allows it by default, and CAP_SYSLOG is all an open for rw needs. */
const KMSG = { type: "c" as const, major: 1, minor: 11 };

/**
 * resources.devices applied in order: after a deny-all, a device node the container makes
 * itself (mknod stays allowed) opens only if a later rule allows it.
 */
function deviceRulesTest(id: string, text: string, allowKmsg: boolean): ConformanceTest {
  return {
    id,
    clause: cgroupClause("Allowed Device list", text),
    async run(t) {
      const c = t.container(
        t.bundle((spec) => {
          const caps = ["CAP_MKNOD", "CAP_SYSLOG"];
          spec.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
          spec.process!.args = shell("mknod /tmp/kmsg c 1 11 && exec /probe report --open-rw /tmp/kmsg --open-rw /dev/null");
          spec.linux!.resources = {
            devices: [
              { allow: false, access: "rwm" },
              { allow: true, ...KMSG, access: allowKmsg ? "rwm" : "m" },
            ],
          };
        }),
      );
      const report = await c.runToCompletion();
      checkEqual(report.openRw["/dev/null"], { ok: true }, "opening the default device /dev/null");
      const kmsg = report.openRw["/tmp/kmsg"];
      if (allowKmsg) checkEqual(kmsg, { ok: true }, "opening the allowed device");
      else check(isProbeError(kmsg) && kmsg.error === "EPERM", `opening the denied device gave ${JSON.stringify(kmsg)}, not EPERM`);
    },
  };
}

export const cgroupTests: ConformanceTest[] = [
  probeTest({
    id: "cgroups.path-relative",
    clause: cgroupClause(
      "Cgroups Path",
      "a relative cgroupsPath places the container in a cgroup of that name under a runtime-chosen parent, in every hierarchy",
      "SHOULD",
    ),
    expect: (r, t, c) => {
      const cgroupsPath = c.bundle.spec.linux!.cgroupsPath!;
      // Hierarchies the runtime can see: a real controller's v1 mount, or the v2 mount.
      const mounted = controllers(t);
      const memberships = parseCgroupFile(probeValue(r.cgroup, "/proc/self/cgroup")).filter((m) =>
        m.controllers.length === 0 ? mounted.includes("") : m.controllers.some((x) => mounted.includes(x)),
      );
      const outside = memberships.filter((m) => !m.path.endsWith(`/${cgroupsPath}`));
      checkEqual(outside.map((m) => `${m.controllers.join(",") || "unified"}:${m.path}`), [], "hierarchies where the container is not in a cgroup named after cgroupsPath");
    },
  }),
  {
    id: "cgroups.path-consistent",
    clause: cgroupClause("Cgroups Path", "the same cgroupsPath attaches containers to the same place in the hierarchy"),
    async run(t) {
      const cgroupsPath = `${t.suite.runPrefix}-consistent`;
      const places: string[][] = [];
      for (let round = 0; round < 2; round++) {
        const c = await runningWith(t, () => undefined, cgroupsPath);
        const { pid } = await c.stateOk();
        places.push(controllers(t).map((controller) => hostCgroupDir(t.host, pid!, controller) ?? "-"));
        await c.kill("KILL");
        await c.waitForStatus("stopped");
        await c.deleteOk();
      }
      checkEqual(places[1], places[0], "cgroups of the second container (against the first's)");
    },
  },
  resourceTest({
    id: "cgroups.memory-limit",
    text: "resources.memory.limit is the container cgroup's memory limit",
    configure: (r) => (r.memory = { limit: 64 * 1024 * 1024 }),
    controller: "memory",
    v1: ["memory.limit_in_bytes", String(64 * 1024 * 1024)],
    v2: ["memory.max", String(64 * 1024 * 1024)],
  }),
  resourceTest({
    id: "cgroups.pids-limit",
    text: "resources.pids.limit is the container cgroup's pids.max",
    configure: (r) => (r.pids = { limit: 77 }),
    controller: "pids",
    v1: ["pids.max", "77"],
    v2: ["pids.max", "77"],
  }),
  resourceTest({
    id: "cgroups.cpu-shares",
    text: "resources.cpu.shares is the container cgroup's cpu.shares (v1)",
    configure: (r) => (r.cpu = { shares: 512 }),
    controller: "cpu",
    v1: ["cpu.shares", "512"],
    // The OCI conversion for cgroup v2: weight = 1 + ((shares - 2) * 9999) / 262142.
    v2: ["cpu.weight", "20"],
  }),
  deviceRulesTest("cgroups.devices-deny", "after a rule denying all devices, a device not allowed again cannot be opened", false),
  deviceRulesTest("cgroups.devices-allow-in-order", "rules apply in the listed order: an allow after a deny-all re-allows that device", true),
];
