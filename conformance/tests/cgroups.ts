// config-linux.md "Control groups", "Cgroups Path" and the resources the runtime writes.
import * as fs from "node:fs";
import * as path from "node:path";
import type { LinuxResources } from "../../src/spec/types.js";
import { check, checkEqual, skip } from "../assert.js";
import { probeTest, shell } from "../define.js";
import { type ConformanceTest, type Container, type TestContext } from "../harness.js";
import { freeRealtimeRuntime, hostCgroupDir } from "../host.js";
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

/** A resources test: v1 files and, when only v2 exists, their v2 equivalents (if it has any). */
function resourceTest(def: {
  id: string;
  text: string;
  configure: (resources: LinuxResources) => void;
  controller: string;
  v1: Record<string, string>;
  v2?: Record<string, string>;
  /** Why this host cannot take the config at all, if it cannot. */
  unsupported?: (t: TestContext) => string | undefined;
}): ConformanceTest {
  return {
    id: def.id,
    clause: cgroupClause("Control groups", def.text),
    async run(t) {
      const reason = def.unsupported?.(t);
      if (reason !== undefined) skip(reason);
      const v1 = t.host.cgroupMounts.some((m) => m.controllers.includes(def.controller));
      const expected = v1 ? def.v1 : def.v2;
      if (expected === undefined) skip(`no ${def.controller} v1 hierarchy, and cgroup v2 has no equivalent`);
      const c = await runningWith(t, def.configure);
      for (const [file, value] of Object.entries(expected)) checkEqual(await cgroupFile(t, c, v1 ? def.controller : "", file), value, file);
    },
  };
}

/** The cgroup v2 mount whose root offers `controller`, if any. */
function v2Offering(t: TestContext, controller: string): string | undefined {
  return t.host.cgroupMounts.find(
    (m) => m.fsType === "cgroup2" && fs.readFileSync(path.join(m.mountPoint, "cgroup.controllers"), "utf8").split(/\s+/).includes(controller),
  )?.mountPoint;
}

/** Why blockIO.weight cannot be checked: the blkio hierarchy has no weight file (no CFQ/BFQ weights). */
function blkioWeightMissing(t: TestContext): string | undefined {
  const mount = t.host.cgroupMounts.find((m) => m.controllers.includes("blkio"));
  if (mount === undefined) return v2Offering(t, "io") === undefined ? "no blkio (v1) or io (v2) controller on this host" : undefined;
  const files = ["blkio.weight", "blkio.bfq.weight"];
  return files.some((f) => fs.existsSync(path.join(mount.mountPoint, f))) ? undefined : `${mount.mountPoint} has neither ${files.join(" nor ")} (no weight-based I/O scheduler on this kernel)`;
}

/**
 * Why hugepageLimits cannot be checked: no 2 MB pages, no hugetlb controller, or (hybrid) hugetlb
 * only in the cgroup2 tree beside v1 hierarchies, where a runtime managing v1 may refuse the limit
 * (config.md "Valid values" lets it) rather than drive a second cgroup tree.
 */
function hugetlbMissing(t: TestContext): string | undefined {
  if (!fs.existsSync("/sys/kernel/mm/hugepages/hugepages-2048kB")) return "this kernel has no 2 MB huge pages";
  if (t.host.cgroupMounts.some((m) => m.controllers.includes("hugetlb"))) return undefined;
  if (v2Offering(t, "hugetlb") === undefined) return "no hugetlb controller on this host (neither a v1 hierarchy nor in a cgroup2 root's cgroup.controllers)";
  return notPureV2(t) === undefined ? undefined : "hugetlb exists only in the cgroup2 tree of this hybrid host, beside the v1 hierarchies the runtime manages";
}

/** Pure cgroup v2: one cgroup2 mount and no v1 controller hierarchies. */
function notPureV2(t: TestContext): string | undefined {
  const v1 = t.host.cgroupMounts.filter((m) => m.fsType === "cgroup" && m.controllers.some((c) => !c.startsWith("name=")));
  return v1.length === 0 ? undefined : `cgroup v2 only, and this host has v1 controllers (${v1.map((m) => m.controllers.join(",")).join("; ")})`;
}

const MiB = 1024 * 1024;

/** A whole disk ("major:minor" of a /sys/block entry that is not a loop, ram or zram device). */
function wholeDisk(): string | undefined {
  const name = fs.existsSync("/sys/block") ? fs.readdirSync("/sys/block").find((d) => !/^(loop|ram|zram)/.test(d)) : undefined;
  return name === undefined ? undefined : fs.readFileSync(`/sys/block/${name}/dev`, "utf8").trim();
}

const DISK = wholeDisk();
const [DISK_MAJOR, DISK_MINOR] = (DISK ?? "0:0").split(":").map(Number) as [number, number];

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
    v1: { "memory.limit_in_bytes": String(64 * MiB) },
    v2: { "memory.max": String(64 * MiB) },
  }),
  resourceTest({
    id: "cgroups.pids-limit",
    text: "resources.pids.limit is the container cgroup's pids.max",
    configure: (r) => (r.pids = { limit: 77 }),
    controller: "pids",
    v1: { "pids.max": "77" },
    v2: { "pids.max": "77" },
  }),
  resourceTest({
    id: "cgroups.cpu-shares",
    text: "resources.cpu.shares is the container cgroup's cpu.shares (v1)",
    configure: (r) => (r.cpu = { shares: 512 }),
    controller: "cpu",
    v1: { "cpu.shares": "512" },
    // The OCI conversion for cgroup v2: weight = 1 + ((shares - 2) * 9999) / 262142.
    v2: { "cpu.weight": "20" },
  }),
  resourceTest({
    id: "cgroups.memory-reservation",
    text: "resources.memory.reservation is the cgroup's soft limit (v1 memory.soft_limit_in_bytes, v2 memory.low)",
    configure: (r) => (r.memory = { limit: 64 * MiB, reservation: 32 * MiB }),
    controller: "memory",
    v1: { "memory.soft_limit_in_bytes": String(32 * MiB) },
    v2: { "memory.low": String(32 * MiB) },
  }),
  resourceTest({
    id: "cgroups.memory-swap",
    text: "resources.memory.swap limits memory plus swap (v1 memory.memsw.limit_in_bytes; v2 memory.swap.max is swap - limit)",
    configure: (r) => (r.memory = { limit: 64 * MiB, swap: 128 * MiB }),
    controller: "memory",
    v1: { "memory.memsw.limit_in_bytes": String(128 * MiB) },
    v2: { "memory.swap.max": String(64 * MiB) },
  }),
  resourceTest({
    id: "cgroups.memory-swappiness",
    text: "resources.memory.swappiness is the cgroup's memory.swappiness (v1 only)",
    configure: (r) => (r.memory = { swappiness: 17 }),
    controller: "memory",
    v1: { "memory.swappiness": "17" },
  }),
  resourceTest({
    id: "cgroups.cpu-quota-period",
    text: "resources.cpu.quota and period are the cgroup's CFS bandwidth (v1 cpu.cfs_quota_us/cfs_period_us, v2 cpu.max)",
    configure: (r) => (r.cpu = { quota: 50_000, period: 200_000 }),
    controller: "cpu",
    v1: { "cpu.cfs_quota_us": "50000", "cpu.cfs_period_us": "200000" },
    v2: { "cpu.max": "50000 200000" },
  }),
  resourceTest({
    id: "cgroups.cpu-burst",
    text: "resources.cpu.burst is the cgroup's CFS burst (v1 cpu.cfs_burst_us, v2 cpu.max.burst)",
    configure: (r) => (r.cpu = { quota: 50_000, period: 100_000, burst: 20_000 }),
    controller: "cpu",
    v1: { "cpu.cfs_burst_us": "20000" },
    v2: { "cpu.max.burst": "20000" },
  }),
  resourceTest({
    id: "cgroups.cpuset",
    text: "resources.cpu.cpus and mems are the cgroup's cpuset.cpus and cpuset.mems",
    configure: (r) => (r.cpu = { cpus: "0", mems: "0" }),
    controller: "cpuset",
    v1: { "cpuset.cpus": "0", "cpuset.mems": "0" },
    v2: { "cpuset.cpus": "0", "cpuset.mems": "0" },
  }),
  resourceTest({
    id: "cgroups.blkio-weight",
    text: "resources.blockIO.weight is the cgroup's I/O weight (v1 blkio.weight or blkio.bfq.weight, v2 io.weight)",
    configure: (r) => (r.blockIO = { weight: 300 }),
    controller: "blkio",
    v1: { "blkio.weight": "300" },
    // v2's io.weight runs 1-10000: runc and crun convert, 1 + (300 - 10) * 9999 / 990
    v2: { "io.weight": "default 2930" },
    unsupported: blkioWeightMissing,
  }),
  resourceTest({
    id: "cgroups.blkio-throttle",
    text: "resources.blockIO throttle entries are the cgroup's per-device limits (v1 blkio.throttle.*_device, v2 io.max)",
    configure: (r) =>
      (r.blockIO = {
        throttleReadBpsDevice: [{ major: DISK_MAJOR, minor: DISK_MINOR, rate: MiB }],
        throttleWriteIOPSDevice: [{ major: DISK_MAJOR, minor: DISK_MINOR, rate: 100 }],
      }),
    controller: "blkio",
    v1: { "blkio.throttle.read_bps_device": `${DISK} ${MiB}`, "blkio.throttle.write_iops_device": `${DISK} 100` },
    v2: { "io.max": `${DISK} rbps=${MiB} wbps=max riops=max wiops=100` },
    unsupported: () => (DISK === undefined ? "no whole disk in /sys/block to throttle" : undefined),
  }),
  resourceTest({
    id: "cgroups.cpu-realtime",
    text: "resources.cpu.realtimePeriod and realtimeRuntime are the cgroup's cpu.rt_period_us and cpu.rt_runtime_us (v1 only)",
    configure: (r) => (r.cpu = { realtimePeriod: 1_000_000, realtimeRuntime: 10_000 }),
    controller: "cpu",
    v1: { "cpu.rt_period_us": "1000000", "cpu.rt_runtime_us": "10000" },
    // Other groups (another runtime's leftovers) may hold the root's whole realtime budget.
    unsupported: (t) => {
      const free = freeRealtimeRuntime(t.host);
      return free !== undefined && free < 10_000 ? `the root cpu cgroup has ${free} µs of realtime runtime left to hand out (other groups hold the rest)` : undefined;
    },
  }),
  resourceTest({
    id: "cgroups.hugepage-limit",
    text: "each resources.hugepageLimits entry is the cgroup's limit for that page size (v1 hugetlb.2MB.limit_in_bytes, v2 hugetlb.2MB.max)",
    configure: (r) => (r.hugepageLimits = [{ pageSize: "2MB", limit: 4 * 2 * MiB }]),
    controller: "hugetlb",
    v1: { "hugetlb.2MB.limit_in_bytes": String(8 * MiB) },
    v2: { "hugetlb.2MB.max": String(8 * MiB) },
    unsupported: hugetlbMissing,
  }),
  resourceTest({
    id: "cgroups.unified",
    text: "each resources.unified key is written, as given, to the file of that name in the container's cgroup v2 directory",
    configure: (r) => (r.unified = { "pids.max": "33" }),
    controller: "pids",
    v1: {},
    v2: { "pids.max": "33" },
    unsupported: (t) => (notPureV2(t) === undefined ? undefined : `resources.unified is for ${notPureV2(t)}`),
  }),
  deviceRulesTest("cgroups.devices-deny", "after a rule denying all devices, a device not allowed again cannot be opened", false),
  deviceRulesTest("cgroups.devices-allow-in-order", "rules apply in the listed order: an allow after a deny-all re-allows that device", true),
];
