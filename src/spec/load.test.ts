import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isSkiffError } from "../errors.js";
import { loadConfig, validateProcess, validateResources, validateSpec } from "./load.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, "testdata", name), "utf8"));

/** The message validateSpec/validateProcess/validateResources throws, one entry per violation. */
function rejection(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (!isSkiffError(e, "InvalidConfig")) throw e;
    return e.message.split(/; (?=[\w./-]+\.json: )/);
  }
  throw new Error("expected an InvalidConfig error");
}

const minimal = () => ({
  ociVersion: "1.2.0",
  root: { path: "rootfs" },
  process: { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/" },
  linux: { namespaces: [{ type: "pid" }, { type: "mount" }] },
});

describe("validateSpec accepts real configs", () => {
  it.each(["runc-1.1-spec.json", "runc-1.1-spec-rootless.json", "containerd-cri.json", "podman.json"])("%s", (name) => {
    const spec = validateSpec(fixture(name));
    expect(spec.ociVersion).toMatch(/^1\./);
  });

  it("treats null fields as absent, as Go's decoder does", () => {
    const spec = validateSpec({ ...minimal(), hostname: null, annotations: null, linux: { namespaces: [{ type: "mount", path: null }] } });
    expect(spec.annotations).toBeUndefined();
    expect(spec.linux?.namespaces?.[0]).toEqual({ type: "mount" });
  });

  it("ignores unknown properties (config.md extensibility)", () => {
    expect(() => validateSpec({ ...minimal(), vendorThing: { x: 1 }, process: { ...minimal().process, future: true } })).not.toThrow();
  });

  it("resolves relative mount destinations of 1.0.x configs against /", () => {
    const spec = validateSpec({ ...minimal(), ociVersion: "1.0.2-dev", mounts: [{ destination: "dev/shm", type: "tmpfs", source: "shm" }] });
    expect(spec.mounts?.[0]?.destination).toBe("/dev/shm");
  });
});

describe("validateSpec rejects schema violations with path and rule", () => {
  it("names the namespace type rule with its JSON path and the allowed values", () => {
    const bad = { ...minimal(), linux: { namespaces: [{ type: "pid" }, { type: "pidd" }] } };
    expect(rejection(() => validateSpec(bad))).toEqual([
      "config.json: /linux/namespaces/1/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time",
    ]);
  });

  it.each<[string, (c: ReturnType<typeof minimal> & Record<string, unknown>) => void, string[]]>([
    ["a missing ociVersion", (c) => delete (c as { ociVersion?: string }).ociVersion, ["config.json: /ociVersion: is required"]],
    ["a missing root.path", (c) => (c.root = {} as never), ["config.json: /root/path: is required"]],
    ["an empty root.path", (c) => (c.root = { path: "" }), ["config.json: /root/path: must not be empty"]],
    ["empty process.args", (c) => (c.process.args = []), ["config.json: /process/args: must not be empty"]],
    ["a missing process.args", (c) => delete (c.process as { args?: string[] }).args, ["config.json: /process/args: is required"]],
    ["a relative cwd", (c) => (c.process.cwd = "home"), ['config.json: /process/cwd: must be an absolute path (got "home")']],
    ["a negative uid", (c) => (c.process.user.uid = -1), ["config.json: /process/user/uid: must be >= 0 (got -1)"]],
    ["a uid above uint32", (c) => (c.process.user.uid = 2 ** 32), ["config.json: /process/user/uid: must be <= 4294967295 (got 4294967296)"]],
    ["a string hostname", (c) => (c.hostname = 7), ["config.json: /hostname: must be a string (got 7)"]],
    ["a fractional gid", (c) => (c.process.user.gid = 1.5), ["config.json: /process/user/gid: must be an integer (got 1.5)"]],
    [
      "an unknown rlimit",
      (c) => ((c.process as Record<string, unknown>).rlimits = [{ type: "RLIMIT_FOO", soft: 1, hard: 1 }]),
      [
        "config.json: /process/rlimits/0/type: must be one of RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME",
      ],
    ],
    [
      "a device without major/minor (no if/then noise)",
      (c) => (c.linux = { ...c.linux, devices: [{ type: "c", path: "/dev/fuse" }] } as never),
      ["config.json: /linux/devices/0/major: is required", "config.json: /linux/devices/0/minor: is required"],
    ],
    [
      "a device of unknown type, a relative path, a negative uid and a fractional mode",
      (c) =>
        (c.linux = {
          ...c.linux,
          devices: [{ type: "x", path: "/dev/x", major: 1, minor: 1 }, { type: "c", path: "dev/y", major: 1, minor: 1, uid: -1, fileMode: 1.5 }],
        } as never),
      [
        "config.json: /linux/devices/0/type: must be one of c, b, u, p",
        'config.json: /linux/devices/1/path: must be an absolute path (got "dev/y")',
        "config.json: /linux/devices/1/fileMode: must be an integer (got 1.5)",
        "config.json: /linux/devices/1/uid: must be >= 0 (got -1)",
      ],
    ],
    [
      "an unknown personality domain, memory policy mode, scheduler flag, I/O class, and out-of-range I/O level and runtime",
      (c) => {
        c.linux = { ...c.linux, personality: { domain: "LINUX64" }, memoryPolicy: { mode: "MPOL_FAST", flags: ["MPOL_F_X"] } } as never;
        Object.assign(c.process, { ioPriority: { class: "IOPRIO_CLASS_NONE", priority: 8 }, scheduler: { policy: "SCHED_OTHER", flags: ["SCHED_FLAG_TURBO"], runtime: -1 } });
      },
      [
        "config.json: /process/scheduler/flags/0: must be one of SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN, SCHED_FLAG_UTIL_CLAMP_MAX",
        "config.json: /linux/memoryPolicy/flags/0: must be one of MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES",
        "config.json: /process/ioPriority/class: must be one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE",
        "config.json: /process/ioPriority/priority: must be <= 7 (got 8)",
        "config.json: /process/scheduler/runtime: must be >= 0 (got -1)",
        "config.json: /linux/personality/domain: must be one of LINUX, LINUX32",
        "config.json: /linux/memoryPolicy/mode: must be one of MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE, MPOL_PREFERRED, MPOL_PREFERRED_MANY, MPOL_LOCAL",
      ],
    ],
    ["a fifo device without numbers", (c) => (c.linux = { ...c.linux, devices: [{ type: "p", path: "/dev/f" }] } as never), []],
    [
      "a bad seccomp action",
      (c) => (c.linux = { ...c.linux, seccomp: { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "ALLOW" }] } } as never),
      [
        "config.json: /linux/seccomp/syscalls/0/action: must be one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY",
      ],
    ],
    [
      "seccomp names that are Object.prototype's (no action, operator, architecture or flag)",
      (c) =>
        (c.linux = {
          ...c.linux,
          seccomp: {
            defaultAction: "toString",
            architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"],
            flags: ["hasOwnProperty"],
            syscalls: [{ names: ["read"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op: "constructor" }] }],
          },
        } as never),
      [
        "config.json: /linux/seccomp/syscalls/0/args/0/op: must be one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ",
        "config.json: /linux/seccomp/architectures/1: must be one of SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64, SCMP_ARCH_LOONGARCH64, SCMP_ARCH_M68K, SCMP_ARCH_SH, SCMP_ARCH_SHEB",
        "config.json: /linux/seccomp/flags/0: must be one of SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
        "config.json: /linux/seccomp/defaultAction: must be one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY",
      ],
    ],
    [
      "seccomp rules without names, an argument index past 5, a negative value, an errno past uint32",
      (c) =>
        (c.linux = {
          ...c.linux,
          seccomp: {
            defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [
              { names: [], action: "SCMP_ACT_ERRNO", errnoRet: 2 ** 32 },
              { names: ["read"], action: "SCMP_ACT_ERRNO", args: [{ index: 6, value: -1, op: "SCMP_CMP_EQ" }] },
            ],
          },
        } as never),
      [
        "config.json: /linux/seccomp/syscalls/1/args/0/index: must be <= 5 (got 6)",
        "config.json: /linux/seccomp/syscalls/1/args/0/value: must be >= 0 (got -1)",
        "config.json: /linux/seccomp/syscalls/0/names: must not be empty",
        "config.json: /linux/seccomp/syscalls/0/errnoRet: must be <= 4294967295 (got 4294967296)",
      ],
    ],
    [
      "a bad hugepage size and cpu list",
      (c) => (c.linux = { ...c.linux, resources: { hugepageLimits: [{ pageSize: "2M", limit: 1 }], cpu: { cpus: "0-3;7" } } } as never),
      [
        'config.json: /linux/resources/hugepageLimits/0/pageSize: must be a size such as "2MB" or "1GB" (got "2M")',
        'config.json: /linux/resources/cpu/cpus: must be a list of numbers and ranges such as "0-3,7" (got "0-3;7")',
      ],
    ],
    [
      "an rdma entry without limits",
      (c) => (c.linux = { ...c.linux, resources: { rdma: { mlx5_1: {} } } } as never),
      ["config.json: /linux/resources/rdma/mlx5_1: must not be empty"],
    ],
    ["a relative masked path", (c) => (c.linux = { ...c.linux, maskedPaths: ["proc/kcore"] } as never), ['config.json: /linux/maskedPaths/0: must be an absolute path (got "proc/kcore")']],
    [
      "a hook with a relative path and zero timeout",
      (c) => (c.hooks = { poststop: [{ path: "hook.sh", timeout: 0 }] }),
      ['config.json: /hooks/poststop/0/path: must be an absolute path (got "hook.sh")', "config.json: /hooks/poststop/0/timeout: must be >= 1 (got 0)"],
    ],
  ])("%s", (_name, mutate, expected) => {
    const config = minimal() as ReturnType<typeof minimal> & Record<string, unknown>;
    mutate(config);
    if (expected.length === 0) expect(() => validateSpec(config)).not.toThrow();
    else expect(rejection(() => validateSpec(config))).toEqual(expected);
  });

  it("rejects a document that is not an object", () => {
    expect(rejection(() => validateSpec([1]))).toEqual(["config.json: must be an object (got [1])"]);
  });

  it("reports every violation, deepest path first, with the unsupported version", () => {
    const bad = { ...minimal(), ociVersion: "2.0.0", hostname: 1, process: { user: { uid: "0", gid: 0 }, args: [], cwd: "/" } };
    expect(rejection(() => validateSpec(bad, "bundle/config.json"))).toEqual([
      'bundle/config.json: /process/user/uid: must be an integer (got "0")',
      "bundle/config.json: /process/args: must not be empty",
      "bundle/config.json: /hostname: must be a string (got 1)",
      'bundle/config.json: /ociVersion: unsupported version "2.0.0" (skiff supports 1.0.0 to 1.3.x)',
    ]);
  });

  it("runs the semantic checks once the schema passes", () => {
    const bad = { ...minimal(), hostname: "h", linux: { namespaces: [{ type: "mount" }, { type: "mount" }] } };
    expect(rejection(() => validateSpec(bad))).toEqual([
      'config.json: /linux/namespaces/1/type: duplicate namespace "mount" (also at /linux/namespaces/0)',
      "config.json: /hostname: setting the hostname needs a uts namespace in /linux/namespaces",
    ]);
  });
});

describe("loadConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-load-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads and validates <bundle>/config.json", () => {
    const bundle = join(dir, "good");
    mkdirSync(bundle);
    writeFileSync(join(bundle, "config.json"), JSON.stringify(minimal()));
    expect(loadConfig(bundle).root).toEqual({ path: "rootfs" });
  });

  it("names the missing file", () => {
    expect(rejection(() => loadConfig(join(dir, "absent")))).toEqual([`cannot read ${join(dir, "absent", "config.json")}: no such file or directory`]);
  });

  it("names the file, line and column of a JSON syntax error", () => {
    const bundle = join(dir, "syntax");
    mkdirSync(bundle);
    writeFileSync(join(bundle, "config.json"), '{\n  "ociVersion": "1.0.0",\n  "root": {"path": "rootfs",}\n}\n');
    expect(rejection(() => loadConfig(bundle))).toEqual([
      `${join(bundle, "config.json")}: invalid JSON at line 3, column 29: expected a property name in double quotes but found "}"`,
    ]);
  });
});

describe("validateProcess", () => {
  it("accepts the process of a real config", () => {
    const { process } = fixture("podman.json") as { process: unknown };
    expect(validateProcess(process).args).toEqual(["/bin/sh", "-c", "echo hi"]);
  });

  it("reports schema and semantic problems against the process file", () => {
    expect(rejection(() => validateProcess({ user: { uid: 0, gid: 0 }, args: ["sh"] }, "/tmp/p.json"))).toEqual(["/tmp/p.json: /cwd: is required"]);
    const caps = { user: { uid: 0, gid: 0 }, args: ["sh"], cwd: "/", capabilities: { effective: ["CAP_NOPE"] } };
    expect(rejection(() => validateProcess(caps))).toEqual(['process.json: /capabilities/effective/0: unknown capability "CAP_NOPE"']);
  });
});

describe("validateResources", () => {
  it("accepts a podman update file", () => {
    const r = validateResources({ memory: { limit: 1 << 28, swap: 1 << 29 }, cpu: { shares: 512, quota: 50000, period: 100000 }, pids: { limit: -1 } });
    expect(r.pids?.limit).toBe(-1);
  });

  it("reports schema and semantic problems", () => {
    expect(rejection(() => validateResources({ pids: { limit: "10" } }))).toEqual(['resources.json: /pids/limit: must be an integer (got "10")']);
    expect(rejection(() => validateResources({ memory: { limit: 100, swap: 50 } }))).toEqual([
      "resources.json: /memory/swap: memory+swap limit 50 is below the memory limit 100",
    ]);
  });
});
