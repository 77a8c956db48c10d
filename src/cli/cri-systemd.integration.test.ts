// containerd's CRI plugin with `SystemdCgroup = true` in skiff's runtime entry, as a kubelet with
// the systemd cgroup driver uses it: the pod names a slice as its cgroup parent, the shim calls
// skiff with --systemd-cgroup and "<slice>:cri-containerd:<id>", and every container (the pause
// sandbox too) becomes a transient cri-containerd-<id>.scope there. Runs where systemd is PID 1,
// on a pure cgroup v2 host and on a v1/hybrid one (the test guest, both ways); skipped elsewhere.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Containerd, CRI_HANDLER, IMAGE } from "../testing/containerd.js";
import { CONTAINER, CONTAINER_EXITED, CONTAINER_RUNNING, CriClient, NODE, POD, until, type PodSandboxConfig, type Message } from "../testing/cri.js";
import { waitFor } from "../testing/harness.js";
import { systemdOnV1, systemdRunning } from "../testing/host.js";

const runs = (systemdRunning || systemdOnV1) && process.getuid?.() === 0 && spawnSync("containerd", ["--version"]).status === 0;
const ctrd = new Containerd({ criRuntime: CRI_HANDLER, systemdCgroup: true });
const cri = new CriClient(ctrd.address);
// One slice of our own for the pod (kubelet would name kubepods-besteffort-pod<uid>.slice).
const slice = `skifftestpod${process.pid}.slice`;

beforeAll(async () => {
  if (!runs) return;
  await ctrd.start();
  if (!(await until(async () => (await cri.call("Version", {})).runtime_name === "containerd", 20_000))) throw new Error(`CRI did not answer: ${ctrd.log()}`);
  if (!(await until(async () => (await cri.call("ImageStatus", { image: { image: IMAGE } })).image?.id !== undefined, 20_000))) throw new Error(`CRI does not see ${IMAGE}`);
}, 120_000);

afterAll(async () => {
  if (!runs) return;
  for (const pod of (await cri.call("ListPodSandbox", {})).items ?? []) {
    await cri.call("StopPodSandbox", { pod_sandbox_id: pod.id }).catch(() => undefined);
    await cri.call("RemovePodSandbox", { pod_sandbox_id: pod.id }).catch(() => undefined);
  }
  cri.close();
  await ctrd.stop();
  spawnSync("systemctl", ["stop", slice]);
}, 120_000);

function unitProps(unit: string, props: string[]): Record<string, string> {
  const r = spawnSync("systemctl", ["show", unit, ...props.map((p) => `--property=${p}`)], { encoding: "utf8" });
  return Object.fromEntries(r.stdout.trim().split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

const namespaces = { network: NODE, pid: CONTAINER, ipc: POD };

describe.runIf(runs)("containerd's CRI plugin, SystemdCgroup = true, with skiff", () => {
  it("runs a pod in transient scopes of the pod's slice, and stops and removes it", async () => {
    const name = `sd-${process.pid}`;
    const config: Message<typeof PodSandboxConfig> = {
      metadata: { name, uid: name, namespace: "skiff-test", attempt: 0 },
      log_directory: path.join(ctrd.dir, "pods", name),
      linux: { cgroup_parent: slice, security_context: { namespace_options: namespaces } },
    };
    const { pod_sandbox_id: podId } = await cri.call("RunPodSandbox", { config, runtime_handler: CRI_HANDLER });
    expect(podId).toBeTruthy();
    expect(unitProps(`cri-containerd-${podId}.scope`, ["Slice", "ActiveState"])).toEqual({ Slice: slice, ActiveState: "active" });

    const { container_id: id } = await cri.call("CreateContainer", {
      pod_sandbox_id: podId,
      config: {
        metadata: { name: "hello", attempt: 0 },
        image: { image: IMAGE },
        command: ["sh", "-c", "echo hello; cat /proc/self/cgroup; sleep 3600"],
        log_path: "hello.log",
        linux: { security_context: { namespace_options: namespaces } },
      },
      sandbox_config: config,
    });
    await cri.call("StartContainer", { container_id: id });
    expect(await until(async () => (await cri.call("ContainerStatus", { container_id: id })).status?.state === CONTAINER_RUNNING, 20_000)).toBe(true);
    const unit = `cri-containerd-${id}.scope`;
    expect(unitProps(unit, ["Slice", "ActiveState", "Delegate"])).toEqual({ Slice: slice, ActiveState: "active", Delegate: "yes" });
    const log = path.join(config.log_directory!, "hello.log");
    expect(await waitFor(() => fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("hello"), 10_000)).toBe(true);

    await cri.call("StopContainer", { container_id: id, timeout: 1n });
    expect((await cri.call("ContainerStatus", { container_id: id })).status?.state).toBe(CONTAINER_EXITED);
    await cri.call("RemoveContainer", { container_id: id });
    await cri.call("StopPodSandbox", { pod_sandbox_id: podId });
    await cri.call("RemovePodSandbox", { pod_sandbox_id: podId });
    for (const u of [unit, `cri-containerd-${podId}.scope`]) expect(unitProps(u, ["ActiveState"]).ActiveState).toBe("inactive");
    expect(await waitFor(() => ctrd.shims().length === 0, 10_000)).toBe(true);
  }, 600_000);
});
