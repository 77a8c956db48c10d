// Where compileCreatePlan puts the steps issue 3 added: helper-phase work before the fork, the
// agent connection before the root switch, the agent message around the pid.
import { describe, expect, it } from "vitest";
import { HOSTS } from "../host/fixtures.testing.js";
import { defaultSpec } from "../spec/default-spec.js";
import type { Spec } from "../spec/types.js";
import { compileCreatePlan, compileEarlyStage, laterStage, type PlanInput } from "./compile.js";
import { CLONE_NEW } from "./namespaces.js";
import { MountMode, Op } from "./protocol.js";

function input(edit: (s: Spec) => void, extra: Partial<PlanInput> = {}): PlanInput {
  const spec = defaultSpec();
  spec.process!.terminal = false;
  edit(spec);
  return {
    spec,
    rootfs: "/b/rootfs",
    bundle: "/b",
    cgroups: { mode: "v2", paths: { "": "/sys/fs/cgroup/x" }, cgroupns: false },
    nonDirectorySources: new Set(),
    stateDirFd: 5,
    mode: "detach",
    noPivot: false,
    preserveFds: 0,
    capabilities: { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n },
    ...extra,
  };
}

const ops = (i: PlanInput) => compileCreatePlan(i).steps.map((s) => s.op);

describe("compileCreatePlan: bind mount points", () => {
  it("makes a file for a source the host says is not a directory, a directory otherwise", () => {
    const binds = (s: Spec) => s.mounts!.push({ destination: "/etc/f", type: "bind", source: "f", options: ["bind"] }, { destination: "/d", type: "bind", source: "/d", options: ["bind"] });
    const modes = compileCreatePlan(input(binds, { nonDirectorySources: new Set(["/b/f"]) }))
      .steps.filter((st) => st.op === Op.MOUNT && (st.strs?.[1] === "etc/f" || st.strs?.[1] === "d"))
      .map((st) => Number(st.ints![1]) & (MountMode.MKDIR | MountMode.MKFILE));
    expect(modes).toEqual([MountMode.MKFILE, MountMode.MKDIR]);
  });
});

describe("compileCreatePlan: issue 3 steps", () => {
  it("idmaps and prepares device moves before the namespaces, moves them before the fork", () => {
    const i = input((s) => {
      s.mounts!.push({ destination: "/m", type: "bind", source: "/src", options: ["rbind", "ridmap"], uidMappings: [{ containerID: 0, hostID: 1000, size: 5 }], gidMappings: [{ containerID: 0, hostID: 2000, size: 5 }] });
      s.linux!.netDevices = { eth1: { name: "in0" } };
    });
    const steps = compileCreatePlan(i).steps;
    const at = (op: Op) => steps.findIndex((s) => s.op === op);
    expect(at(Op.IDMAP_TREE)).toBe(0);
    expect(at(Op.NETDEV_PREPARE)).toBe(1);
    expect(at(Op.UNSHARE)).toBeLessThan(at(Op.NETDEV_MOVE));
    expect(at(Op.NETDEV_MOVE)).toBeLessThan(at(Op.FORK));
    expect(steps[at(Op.IDMAP_TREE)]).toMatchObject({ ints: [0, 1, 1], strs: ["/src", "0 1000 5\n", "0 2000 5\n"] });
    expect(steps[at(Op.NETDEV_PREPARE)].strs).toEqual(["eth1", "in0"]);
    expect(steps[at(Op.MOVE_TREE)]).toMatchObject({ ints: [0, 2], strs: ["/b/rootfs", "m"] });
  });

  it("in a user namespace, a root runtime opens the bind sources: the opener before the namespaces, the clones after them", () => {
    const root = { lsm: { apparmor: false, selinux: false }, resctrl: false, numaNodes: [0], euid: 0 };
    const userns = (s: Spec) => {
      s.linux!.namespaces!.push({ type: "user" });
      s.mounts!.push(
        { destination: "/i", type: "bind", source: "/src-i", options: ["bind", "idmap"], uidMappings: [{ containerID: 0, hostID: 1000, size: 5 }], gidMappings: [{ containerID: 0, hostID: 2000, size: 5 }] },
        { destination: "/a", source: "a", options: ["bind"] },
        { destination: "/b", source: "/src-b", options: ["rbind", "ro"] },
      );
    };
    const steps = compileCreatePlan(input(userns, { host: root })).steps;
    const at = (op: Op) => steps.findIndex((s) => s.op === op);
    expect(at(Op.BIND_SOURCES_PREPARE)).toBeLessThan(at(Op.UNSHARE_USER));
    expect(at(Op.UNSHARE)).toBeLessThan(at(Op.BIND_SOURCES_OPEN));
    expect(at(Op.BIND_SOURCES_OPEN)).toBeLessThan(at(Op.FORK));
    // the idmapped mount goes through the opener too: flags idmap (2), none, rbind (1 << 8)
    expect(at(Op.IDMAP_TREE)).toBe(-1);
    expect(steps[at(Op.BIND_SOURCES_PREPARE)]).toMatchObject({ ints: [0, 0x102n], strs: ["/src-i", "0 1000 5\n", "0 2000 5\n", "/b/a", "", "", "/src-b", "", ""] });
    const moves = steps.filter((s) => s.op === Op.MOVE_TREE).map((s) => [s.ints?.[0], s.strs?.[1]]);
    expect(moves).toEqual([[0, "i"], [1, "a"], [2, "b"]]);
    // a rootless runtime, or no user namespace: plain binds, and the helper's idmapped clone
    expect(ops(input(userns, { host: { ...root, euid: 1000 } }))).not.toContain(Op.BIND_SOURCES_PREPARE);
    expect(ops(input(userns, { host: { ...root, euid: 1000 } }))).toContain(Op.IDMAP_TREE);
    expect(ops(input((s) => s.mounts!.push({ destination: "/a", source: "a", options: ["bind"] }), { host: root }))).not.toContain(Op.BIND_SOURCES_PREPARE);
  });

  it("--no-pivot hides the runtime's full procfs and sysfs mounts outside the rootfs before its chroot", () => {
    const mountinfo = [
      "22 1 0:5 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw",
      "23 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw",
      "24 23 0:6 / /sys/kernel/security rw shared:3 - securityfs securityfs rw",
      "25 1 0:5 /sys /run/proc-sys rw shared:12 - proc proc rw",
      "26 1 0:45 / /run/my\\040proc rw - proc proc rw",
      "27 1 0:46 / /b/rootfs/proc rw - proc proc rw",
    ].join("\n");
    const host = { lsm: { apparmor: false, selinux: false }, resctrl: false, numaNodes: [0], mountinfo };
    const chroot = compileCreatePlan(input(() => undefined, { host, noPivot: true })).steps.find((s) => s.op === Op.CHROOT);
    expect(chroot).toMatchObject({ ints: [1], strs: ["/b/rootfs", "/proc", "/sys", "/run/my proc"] });
  });

  it("connects to the seccomp agent before pivot_root and sends it the state around the pid", () => {
    const seccomp = { bpf: Buffer.alloc(8), flags: 8, listenerPath: "/run/agent.sock", listenerMetadata: "m" };
    const i = input((s) => (s.process!.noNewPrivileges = true), { seccomp, id: "c1" });
    const steps = compileCreatePlan(i).steps;
    const at = (op: Op) => steps.findIndex((s) => s.op === op);
    expect(at(Op.AGENT_CONNECT)).toBeLessThan(at(Op.PIVOT_ROOT));
    const load = steps[at(Op.SECCOMP)];
    // loaded after the wait for start, before the startContainer hooks (they run under it, as with runc)
    expect(at(Op.SECCOMP)).toBeGreaterThan(at(Op.WAIT_START));
    expect(at(Op.SECCOMP)).toBeLessThan(at(Op.STARTED));
    expect(at(Op.CLOSE_FDS)).toBeLessThan(at(Op.SECCOMP));
    const pieces = (load.strs ?? []).slice(1) as string[];
    expect(JSON.parse(pieces.join("4242"))).toEqual({
      ociVersion: i.spec.ociVersion,
      fds: ["seccompFd"],
      pid: 4242,
      metadata: "m",
      state: { ociVersion: i.spec.ociVersion, id: "c1", status: "creating", pid: 4242, bundle: "/b" },
    });
  });

  it("no agent without a listener flag; personality, memory policy and priorities before the identity switch", () => {
    const i = input(
      (s) => {
        s.linux!.personality = { domain: "LINUX32" };
        s.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "0" };
        s.process!.scheduler = { policy: "SCHED_BATCH" };
        s.process!.ioPriority = { class: "IOPRIO_CLASS_BE", priority: 1 };
      },
      { seccomp: { bpf: Buffer.alloc(8), flags: 0, listenerPath: "/x" } },
    );
    const list = ops(i);
    expect(list).not.toContain(Op.AGENT_CONNECT);
    const setuid = list.indexOf(Op.SETRESUID);
    for (const op of [Op.PERSONALITY, Op.MEMPOLICY, Op.SCHED_SETATTR, Op.IOPRIO]) expect(list.indexOf(op)).toBeLessThan(setuid);
    expect(list.indexOf(Op.PIVOT_ROOT)).toBeLessThan(list.indexOf(Op.PERSONALITY));
  });

  it("refuses what the hybrid fixture host cannot do: LSM labels, intelRdt, missing NUMA nodes", () => {
    const host = HOSTS.hybrid;
    expect(() => compileCreatePlan(input((s) => (s.process!.apparmorProfile = "p"), { host }))).toThrow('process.apparmorProfile "p": AppArmor is not enabled on this host');
    expect(() => compileCreatePlan(input((s) => (s.linux!.intelRdt = {}), { host }))).toThrow("linux.intelRdt: resctrl is not mounted");
    expect(() => compileCreatePlan(input((s) => (s.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "1" }), { host }))).toThrow(
      "linux.memoryPolicy.nodes: node 1 does not exist on this host (nodes: 0)",
    );
  });

  it("does it on the v2 fixture host, which has AppArmor, resctrl and two NUMA nodes", () => {
    const host = HOSTS.v2;
    const steps = compileCreatePlan(input((s) => (s.process!.apparmorProfile = "p"), { host })).steps;
    expect(steps.find((s) => s.what === "set AppArmor profile p")?.strs).toEqual(["/proc/self/attr/apparmor/exec", "exec p"]);
    expect(() => compileCreatePlan(input((s) => (s.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "1" }), { host }))).not.toThrow();
  });
});

describe("the early stage: namespaces the helper makes before the rest of the plan", () => {
  it("is the plan's first steps, without a new cgroup namespace, which comes just before the fork", () => {
    const i = input((s) => s.linux!.namespaces!.push({ type: "cgroup" }));
    const early = compileEarlyStage(i.spec);
    expect(early.map((s) => s.op)).toEqual([Op.UNSHARE]);
    expect(Number(early[0].ints![0]) & CLONE_NEW.cgroup).toBe(0);
    const rest = laterStage(compileCreatePlan(i), early).steps;
    expect(rest.slice(0, 2).map((s) => [s.op, s.ints?.[0]])).toEqual([
      [Op.UNSHARE, CLONE_NEW.cgroup],
      [Op.FORK, 0],
    ]);
  });

  it("keeps the joins' order, joins first", () => {
    const i = input((s) => (s.linux!.namespaces = [{ type: "network", path: "/run/netns/a" }, { type: "mount" }, { type: "pid" }]));
    const early = compileEarlyStage(i.spec);
    expect(early.map((s) => s.what)).toEqual(["join network namespace /run/netns/a", "create mount, pid namespaces"]);
    expect(laterStage(compileCreatePlan(i), early).steps[0].op).toBe(Op.FORK);
  });

  it.each<[string, (s: Spec) => void]>([
    ["a user namespace (skiff writes its id maps)", (s) => s.linux!.namespaces!.push({ type: "user" })],
    ["network devices (prepared before the namespaces)", (s) => (s.linux!.netDevices = { eth1: {} })],
    ["a cgroup namespace joined by path", (s) => s.linux!.namespaces!.push({ type: "cgroup", path: "/proc/1/ns/cgroup" })],
  ])("is empty with %s", (_, edit) => {
    const i = input(edit);
    expect(compileEarlyStage(i.spec)).toEqual([]);
    expect(laterStage(compileCreatePlan(i), []).steps).toEqual(compileCreatePlan(i).steps);
  });

  it("refuses a plan that does not begin with the stage sent", () => {
    const early = compileEarlyStage(input(() => {}).spec);
    expect(() => laterStage(compileCreatePlan(input((s) => (s.linux!.namespaces = [{ type: "mount" }]))), early)).toThrow(/does not begin with the stage/);
  });
});

describe("an init cloned into its cgroup (cgroup v2)", () => {
  const withCgroupns = (s: Spec) => {
    if (!s.linux!.namespaces!.some((n) => n.type === "cgroup")) s.linux!.namespaces!.push({ type: "cgroup" });
  };
  const around = (i: PlanInput) => {
    const steps = compileCreatePlan(i).steps;
    const fork = steps.findIndex((s) => s.op === Op.FORK);
    return { fork: steps[fork], before: steps[fork - 1], after: steps[fork + 1] };
  };

  it("names the cgroup in the fork, and the init makes the new cgroup namespace there", () => {
    const { fork, before, after } = around(input(withCgroupns, { bornInCgroup: "/sys/fs/cgroup/x" }));
    expect(fork.strs).toEqual(["/sys/fs/cgroup/x"]);
    expect([after.op, after.ints?.[0]]).toEqual([Op.UNSHARE, CLONE_NEW.cgroup]);
    expect(Number(before.ints?.[0] ?? 0) & CLONE_NEW.cgroup).toBe(0);
  });

  it("otherwise the helper makes it, last, once it has joined the cgroups", () => {
    const { fork, before } = around(input(withCgroupns));
    expect(fork.strs).toEqual([]);
    expect([before.op, before.ints?.[0]]).toEqual([Op.UNSHARE, CLONE_NEW.cgroup]);
  });
});
