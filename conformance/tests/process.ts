// config.md "Root", "Process", "Hostname", "Domainname": what the container process is and sees.
import * as fs from "node:fs";
import type { Capabilities } from "../../src/spec/types.js";
import { check, checkEqual, skip } from "../assert.js";
import { createFailsTest, probeTest } from "../define.js";
import { type ConformanceTest } from "../harness.js";
import { capabilityNames, isProbeError, mountAt, parseMountInfo, probeValue, statusField, type ProbeReport } from "../probe-report.js";
import type { Clause } from "../results.js";

const configMd = (section: string, text: string, level: Clause["level"] = "MUST"): Clause => ({ doc: "config.md", section, level, text });

/** Runs `test` only when the suite's ociVersion is 1.0.x ("1.0") or later ("1.1+"). */
function forSpecVersions(versions: "1.0" | "1.1+", test: ConformanceTest): ConformanceTest {
  return {
    ...test,
    async run(t) {
      const is10 = t.suite.ociVersion.startsWith("1.0.");
      if (is10 !== (versions === "1.0")) skip(`this clause is config.md ${versions === "1.0" ? "v1.0" : "v1.1 and later"}; the suite writes ociVersion ${t.suite.ociVersion}`);
      return test.run(t);
    },
  };
}

function statusOf(report: ProbeReport, field: string): string {
  const value = statusField(probeValue(report.status, "/proc/self/status"), field);
  check(value !== undefined, `/proc/self/status has no ${field} line`);
  return value;
}

const capsOf = (report: ProbeReport, field: string): string[] => capabilityNames(statusOf(report, field));

const sorted = (names: string[] | undefined): string[] => [...(names ?? [])].sort();

const MiB = 1024 * 1024;

/** /proc/self/limits row names of the RLIMIT_* types. */
const LIMITS_ROWS: Record<string, string> = {
  "Max cpu time": "RLIMIT_CPU",
  "Max file size": "RLIMIT_FSIZE",
  "Max data size": "RLIMIT_DATA",
  "Max stack size": "RLIMIT_STACK",
  "Max core file size": "RLIMIT_CORE",
  "Max resident set": "RLIMIT_RSS",
  "Max processes": "RLIMIT_NPROC",
  "Max open files": "RLIMIT_NOFILE",
  "Max locked memory": "RLIMIT_MEMLOCK",
  "Max address space": "RLIMIT_AS",
  "Max file locks": "RLIMIT_LOCKS",
  "Max pending signals": "RLIMIT_SIGPENDING",
  "Max msgqueue size": "RLIMIT_MSGQUEUE",
  "Max nice priority": "RLIMIT_NICE",
  "Max realtime priority": "RLIMIT_RTPRIO",
  "Max realtime timeout": "RLIMIT_RTTIME",
};

/**
 * RLIMITS within the runner's hard limits: without CAP_SYS_RESOURCE (this machine's bounding set
 * lacks it) no runtime can raise a hard limit, so a clamped pair is [half the hard limit, hard].
 */
function reachableRlimits(): Record<string, [number, number]> {
  const hostHard: Record<string, number> = {};
  for (const line of fs.readFileSync("/proc/self/limits", "utf8").split("\n")) {
    const row = Object.keys(LIMITS_ROWS).find((name) => line.startsWith(`${name} `));
    const hard = row === undefined ? undefined : line.slice(row.length).trim().split(/\s+/)[1];
    if (row !== undefined && hard !== undefined && hard !== "unlimited") hostHard[LIMITS_ROWS[row]!] = Number(hard);
  }
  return Object.fromEntries(
    Object.entries(RLIMITS).map(([type, [soft, hard]]) => {
      const cap = hostHard[type];
      return [type, cap === undefined || hard <= cap ? [soft, hard] : [Math.floor(cap / 2), cap]];
    }),
  );
}

/** One distinctive, harmless [soft, hard] pair for every Linux RLIMIT_* type the probe reads. */
const RLIMITS: Record<string, [number, number]> = {
  RLIMIT_AS: [8192 * MiB, 8193 * MiB],
  RLIMIT_CORE: [0, 4096],
  RLIMIT_CPU: [3600, 7200],
  RLIMIT_DATA: [4096 * MiB, 4097 * MiB],
  RLIMIT_FSIZE: [1024 * MiB, 1025 * MiB],
  RLIMIT_LOCKS: [1000, 1001],
  RLIMIT_MEMLOCK: [64 * MiB, 65 * MiB],
  RLIMIT_MSGQUEUE: [819_200, 819_201],
  RLIMIT_NICE: [10, 20],
  RLIMIT_NOFILE: [123, 456],
  RLIMIT_NPROC: [500, 600],
  RLIMIT_RSS: [1024 * MiB, 1025 * MiB],
  RLIMIT_RTPRIO: [5, 10],
  RLIMIT_RTTIME: [1_000_000, 2_000_000],
  RLIMIT_SIGPENDING: [1000, 2000],
  RLIMIT_STACK: [8 * MiB, 16 * MiB],
};

/** sched(7)'s number for SCHED_BATCH. */
const SCHED_BATCH = 3;

/** A non-root user, so that execve keeps exactly the ambient set in permitted and effective. */
const UNPRIVILEGED = { uid: 1000, gid: 1000 };

export const processTests: ConformanceTest[] = [
  probeTest({
    id: "process.args",
    clause: configMd("Process", "args is the argv of the program run, the first entry naming it with execvp semantics"),
    probeArgs: ["--stat", "/", "--stat", "/tmp"],
    expect: (r) => checkEqual(r.argv, ["/probe", "report", "--stat", "/", "--stat", "/tmp"], "argv"),
  }),
  probeTest({
    id: "process.args-path-lookup",
    clause: configMd("Process", "args[0] is resolved like execvp's file: a bare name is looked up in the PATH of env"),
    configure: (spec) => {
      spec.process!.args = ["probe", "report"];
      spec.process!.env = ["PATH=/nowhere:/"];
    },
    expect: (r) => checkEqual(r.argv, ["probe", "report"], "argv"),
  }),
  probeTest({
    id: "process.env",
    clause: configMd("Process", "env is the environment of the process (environ semantics)"),
    configure: (spec) => (spec.process!.env = ["PATH=/bin", "ONE=1", "SPACED=a b  c", "EMPTY="]),
    expect: (r) => {
      for (const entry of ["PATH=/bin", "ONE=1", "SPACED=a b  c", "EMPTY="]) check(r.env.includes(entry), `${entry} is not in the environment ${JSON.stringify(r.env)}`);
    },
  }),
  probeTest({
    id: "process.cwd",
    clause: configMd("Process", "cwd is the working directory set for the executable"),
    configure: (spec, bundle) => {
      spec.process!.cwd = "/tmp/work dir";
      fs.mkdirSync(`${bundle.rootfs}/tmp/work dir`, { recursive: true });
    },
    expect: (r) => checkEqual(r.cwd, "/tmp/work dir", "cwd"),
  }),
  probeTest({
    id: "process.user",
    clause: configMd("User", "the process runs with user.uid, user.gid and the additionalGids as supplementary groups"),
    configure: (spec) => (spec.process!.user = { uid: 1234, gid: 2345, additionalGids: [5, 3456] }),
    expect: (r) => {
      checkEqual([r.uid, r.euid, r.suid], [1234, 1234, 1234], "real, effective and saved uid");
      checkEqual([r.gid, r.egid, r.sgid], [2345, 2345, 2345], "real, effective and saved gid");
      for (const gid of [5, 3456]) check(r.groups.includes(gid), `supplementary groups ${JSON.stringify(r.groups)} lack ${gid}`);
    },
  }),
  probeTest({
    id: "process.umask",
    clause: configMd("User", "user.umask is the process's umask"),
    configure: (spec) => (spec.process!.user.umask = 0o027),
    expect: (r) => checkEqual(r.umask.toString(8), "27", "umask (octal)"),
  }),
  probeTest({
    id: "process.rlimits",
    clause: configMd("POSIX process", "for each rlimits entry, getrlimit in the container returns the configured soft and hard values"),
    configure: (spec) => (spec.process!.rlimits = Object.entries(reachableRlimits()).map(([type, [soft, hard]]) => ({ type, soft, hard }))),
    expect: (r) => {
      for (const [type, [soft, hard]] of Object.entries(reachableRlimits())) checkEqual(r.rlimits[type], { soft, hard }, type);
    },
  }),
  createFailsTest({
    id: "process.rlimits-unknown-type-errors",
    clause: configMd("POSIX process", "an rlimit type that maps to no kernel resource must make the runtime generate an error"),
    configure: (spec) => (spec.process!.rlimits = [{ type: "RLIMIT_NO_SUCH_LIMIT", soft: 1, hard: 1 }]),
  }),
  createFailsTest({
    id: "process.rlimits-duplicate-type-errors",
    clause: configMd("POSIX process", "rlimits with two entries of the same type must make the runtime generate an error"),
    configure: (spec) =>
      (spec.process!.rlimits = [
        { type: "RLIMIT_NOFILE", soft: 100, hard: 100 },
        { type: "RLIMIT_NOFILE", soft: 200, hard: 200 },
      ]),
  }),
  probeTest({
    id: "process.no-new-privileges",
    clause: configMd("Linux process", "noNewPrivileges true sets the process's no_new_privs bit"),
    configure: (spec) => (spec.process!.noNewPrivileges = true),
    expect: (r) => checkEqual(statusOf(r, "NoNewPrivs"), "1", "NoNewPrivs"),
  }),
  probeTest({
    id: "process.no-new-privileges-false",
    clause: configMd("Linux process", "noNewPrivileges false (or absent) leaves the no_new_privs bit clear"),
    configure: (spec) => (spec.process!.noNewPrivileges = false),
    expect: (r) => checkEqual(statusOf(r, "NoNewPrivs"), "0", "NoNewPrivs"),
  }),
  probeTest({
    id: "process.capabilities-empty",
    clause: configMd("Linux process", "capabilities with every set empty leaves a root process no capability at all"),
    configure: (spec) => (spec.process!.capabilities = { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] }),
    expect: (r) => {
      for (const field of ["CapBnd", "CapPrm", "CapEff", "CapInh", "CapAmb"]) checkEqual(capsOf(r, field), [], field);
    },
  }),
  probeTest({
    id: "process.scheduler",
    clause: configMd("Linux process", "scheduler: the process runs with the configured policy and nice value"),
    configure: (spec) => (spec.process!.scheduler = { policy: "SCHED_BATCH", nice: 7 }),
    expect: (r) => checkEqual([r.sched.policy, r.sched.nice], [SCHED_BATCH, 7], "scheduling policy (3: SCHED_BATCH) and nice"),
  }),
  probeTest({
    id: "process.io-priority",
    clause: configMd("Linux process", "ioPriority: the process's I/O scheduling class and level are the configured ones"),
    configure: (spec) => (spec.process!.ioPriority = { class: "IOPRIO_CLASS_BE", priority: 6 }),
    // ioprio.h: IOPRIO_CLASS_BE is 2.
    expect: (r) => checkEqual(r.ioprio, { class: 2, level: 6 }, "I/O priority class and level"),
  }),
  probeTest({
    id: "process.capabilities-root",
    clause: configMd("Linux process", "capabilities: a root process keeps exactly the configured bounding, effective, permitted and inheritable sets"),
    configure: (spec) => {
      const set = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"];
      spec.process!.capabilities = { bounding: set, effective: set, permitted: set, inheritable: ["CAP_KILL"] };
    },
    expect: (r) => {
      const set = sorted(["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"]);
      checkEqual(capsOf(r, "CapBnd"), set, "bounding");
      checkEqual(capsOf(r, "CapPrm"), set, "permitted");
      checkEqual(capsOf(r, "CapEff"), set, "effective");
      checkEqual(capsOf(r, "CapInh"), ["CAP_KILL"], "inheritable");
      checkEqual(capsOf(r, "CapAmb"), [], "ambient");
    },
  }),
  probeTest({
    id: "process.capabilities-ambient",
    clause: configMd("Linux process", "capabilities: a non-root process gets the configured bounding, inheritable and ambient sets (ambient ones survive execve)"),
    configure: (spec) => {
      const caps: Capabilities = {
        bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
        permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        inheritable: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        ambient: ["CAP_NET_BIND_SERVICE"],
      };
      spec.process!.user = { ...UNPRIVILEGED };
      spec.process!.capabilities = caps;
    },
    expect: (r) => {
      checkEqual(capsOf(r, "CapBnd"), sorted(["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]), "bounding");
      checkEqual(capsOf(r, "CapInh"), sorted(["CAP_KILL", "CAP_NET_BIND_SERVICE"]), "inheritable");
      checkEqual(capsOf(r, "CapAmb"), ["CAP_NET_BIND_SERVICE"], "ambient");
      // capabilities(7): for a non-root execve without file capabilities, P'(permitted) = P'(effective) = P'(ambient).
      checkEqual(capsOf(r, "CapPrm"), ["CAP_NET_BIND_SERVICE"], "permitted after execve");
      checkEqual(capsOf(r, "CapEff"), ["CAP_NET_BIND_SERVICE"], "effective after execve");
    },
  }),
  // config.md changed in 1.1: v1.0 made a capability that cannot be mapped an error; v1.1 and
  // later make it a logged warning the runtime SHOULD NOT fail on. Each test applies to the
  // ociVersion the suite writes (OCI_VERSION).
  forSpecVersions(
    "1.0",
    createFailsTest({
      id: "process.capabilities-unknown-errors",
      clause: configMd("Linux process", "(v1.0 wording) a capability value that cannot be mapped to a kernel interface must make the runtime generate an error"),
      configure: (spec) => {
        const set = ["CAP_CHOWN", "CAP_NO_SUCH_CAPABILITY"];
        spec.process!.capabilities = { bounding: set, effective: set, permitted: set };
      },
    }),
  ),
  forSpecVersions(
    "1.1+",
    probeTest({
    id: "process.capabilities-unknown-is-warning",
    clause: configMd(
      "Linux process",
      "a capability the runtime cannot map is logged as a warning; the runtime should not fail and still applies the others",
      "SHOULD",
    ),
    configure: (spec) => {
      const set = ["CAP_CHOWN", "CAP_NO_SUCH_CAPABILITY"];
      spec.process!.capabilities = { bounding: set, effective: set, permitted: set };
    },
    expect: (r) => checkEqual(capsOf(r, "CapBnd"), ["CAP_CHOWN"], "bounding"),
  }),
  ),
  probeTest({
    id: "process.oom-score-adj",
    clause: configMd("Linux process", "if oomScoreAdj is set, the process's oom_score_adj is that value"),
    configure: (spec) => (spec.process!.oomScoreAdj = 123),
    expect: (r) => checkEqual(probeValue(r.oomScoreAdj, "oom_score_adj").trim(), "123", "oom_score_adj"),
  }),
  probeTest({
    id: "process.oom-score-adj-unset",
    clause: configMd("Linux process", "if oomScoreAdj is not set, the runtime must not change oom_score_adj"),
    expect: (r, t) => checkEqual(probeValue(r.oomScoreAdj, "oom_score_adj").trim(), t.host.oomScoreAdj, "oom_score_adj (the runtime's own)"),
  }),
  probeTest({
    id: "root.readonly",
    clause: configMd("Root", "root.readonly true makes the root filesystem read-only inside the container"),
    probeArgs: ["--write", "/"],
    configure: (spec) => (spec.root!.readonly = true),
    expect: (r) => {
      const write = r.write["/"];
      check(isProbeError(write) && write.error === "EROFS", `writing to / gave ${JSON.stringify(write)}, not EROFS`);
      const root = mountAt(parseMountInfo(probeValue(r.mountinfo, "mountinfo")), "/");
      check(root?.options.includes("ro") ?? false, `the / mount is not ro: ${JSON.stringify(root?.options)}`);
    },
  }),
  probeTest({
    id: "root.writable-by-default",
    clause: configMd("Root", "root.readonly defaults to false: the root filesystem is writable"),
    probeArgs: ["--write", "/"],
    configure: (spec) => delete spec.root!.readonly,
    expect: (r) => checkEqual(r.write["/"], { ok: true }, "writing to /"),
  }),
  probeTest({
    id: "root.absolute-path",
    clause: configMd("Root", "root.path may be an absolute host path to the root filesystem"),
    configure: (spec, bundle) => (spec.root!.path = bundle.rootfs),
    expect: (r) => checkEqual(r.argv[0], "/probe", "the process ran from the rootfs"),
  }),
  probeTest({
    id: "process.hostname",
    clause: configMd("Hostname", "hostname is the container's hostname as seen by its processes (in its UTS namespace)"),
    configure: (spec) => (spec.hostname = "conformance-host"),
    expect: (r) => checkEqual(r.hostname, "conformance-host", "hostname"),
  }),
  probeTest({
    id: "process.domainname",
    clause: configMd("Domainname", "domainname is the container's NIS domain name as seen by its processes"),
    configure: (spec) => (spec.domainname = "conformance.example"),
    expect: (r) => checkEqual(r.domainname, "conformance.example", "domainname"),
  }),
];
