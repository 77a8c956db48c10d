// skiff under containerd's CRI plugin, as Kubernetes uses it: a config.toml runtime entry whose
// BinaryName is skiff (README's snippet, testing/containerd.ts criRuntimeEntry) and pods that ask
// for it by runtime_handler (what a RuntimeClass's `handler` sets). Driven through the CRI gRPC
// API by testing/cri.ts; pods use the host's network, so no CNI plugin is needed.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Containerd, CRI_HANDLER, HELLO_SCRIPT, IMAGE, PAUSE_IMAGE } from "../testing/containerd.js";
import { CONTAINER, CONTAINER_EXITED, CONTAINER_RUNNING, CriClient, NODE, POD, until, type ContainerConfig, type Message, type PodSandboxConfig } from "../testing/cri.js";
import { cgroupDirsNamed, engineCgroupParents, SKIFF, waitFor } from "../testing/harness.js";
import { cgroupMode } from "../testing/host.js";

const ctrd = new Containerd({ criRuntime: CRI_HANDLER });
const cri = new CriClient(ctrd.address);
interface Pod {
  id: string;
  config: Message<typeof PodSandboxConfig>;
  /** the pod's cgroup (kubelet's cgroupfs layout), made by the runtime, removed by the test as kubelet does */
  cgroup: string;
  cgroupParents: { remove(): void };
}
/** pods this file made and has not removed yet (afterAll removes them even after a failure) */
const pods = new Map<string, Pod>();
let seq = 0;

beforeAll(async () => {
  await ctrd.start();
  // the CRI plugin serves a little after the socket appears, and learns of imported images by events
  if (!(await until(async () => (await cri.call("Version", {})).runtime_name === "containerd", 20_000))) throw new Error(`CRI did not answer: ${ctrd.log()}`);
  for (const image of [IMAGE, PAUSE_IMAGE])
    if (!(await until(async () => (await cri.call("ImageStatus", { image: { image } })).image?.id !== undefined, 20_000))) throw new Error(`CRI does not see ${image}`);
}, 60_000);

afterAll(async () => {
  for (const pod of pods.values()) await removePod(pod).catch(() => pod.cgroupParents.remove());
  cri.close();
  await ctrd.stop();
}, 60_000);

const namespaces = { network: NODE, pid: CONTAINER, ipc: POD };


function containerConfig(name: string, script: string): Message<typeof ContainerConfig> {
  return {
    metadata: { name, attempt: 0 },
    image: { image: IMAGE },
    command: ["sh", "-c", script],
    log_path: `${name}.log`,
    linux: { security_context: { namespace_options: namespaces } },
  };
}

/** A pod as kubelet asks for one: host network, its own pid namespace a container, a cgroup parent. */
async function runPod(prefix: string): Promise<Pod> {
  const name = `${prefix}-${++seq}`;
  const uid = `${name}-${process.pid}`;
  const cgroup = `kubepods/besteffort/pod${uid}`;
  const cgroupParents = engineCgroupParents(["kubepods", "kubepods/besteffort", cgroup]);
  const config: Message<typeof PodSandboxConfig> = {
    metadata: { name, uid, namespace: "skiff-test", attempt: 0 },
    log_directory: path.join(ctrd.dir, "pods", name),
    linux: { cgroup_parent: `/${cgroup}`, security_context: { namespace_options: namespaces } },
  };
  const { pod_sandbox_id: id } = await cri.call("RunPodSandbox", { config, runtime_handler: CRI_HANDLER });
  if (!id) throw new Error("RunPodSandbox gave no id");
  const pod = { id, config, cgroup, cgroupParents };
  pods.set(id, pod);
  return pod;
}

async function startContainer(pod: Pod, name: string, script: string): Promise<string> {
  const { container_id: id } = await cri.call("CreateContainer", { pod_sandbox_id: pod.id, config: containerConfig(name, script), sandbox_config: pod.config });
  if (!id) throw new Error("CreateContainer gave no id");
  await cri.call("StartContainer", { container_id: id });
  return id;
}

async function status(id: string) {
  const { status: s } = await cri.call("ContainerStatus", { container_id: id });
  if (!s) throw new Error(`no status for ${id}`);
  return s;
}

/** The CRI log file's lines as [stream, text] (each line: time, stream, tag F|P, text). */
function logLines(pod: Pod, name: string): [string, string][] {
  const file = path.join(pod.config.log_directory!, `${name}.log`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const m = /^\S+ (stdout|stderr) F (.*)$/.exec(l);
      if (!m) throw new Error(`not a CRI log line: ${l}`);
      return [m[1]!, m[2]!];
    });
}

/** skiff's view of a container of the k8s.io namespace, read under the runtime entry's Root. */
function skiffState(id: string): { status: string; pid: number } | undefined {
  const r = spawnSync(SKIFF, ["--root", path.join(ctrd.runcRoot, ctrd.namespace), "state", id], { encoding: "utf8" });
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

/** The state directory is skiff's, not runc's: skiff records the init's start time. */
function isSkiffState(id: string): boolean {
  const file = path.join(ctrd.runcRoot, ctrd.namespace, id, "state.json");
  return fs.existsSync(file) && "initStartTime" in JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Stops and removes the pod (and its containers), then its cgroup parents as kubelet would. */
async function removePod(pod: Pod): Promise<void> {
  await cri.call("StopPodSandbox", { pod_sandbox_id: pod.id });
  await cri.call("RemovePodSandbox", { pod_sandbox_id: pod.id }); // removes its containers too
  pods.delete(pod.id);
  pod.cgroupParents.remove(); // only empty directories go: a leaf skiff left would keep them
}

/**
 * Runs body in a new pod; the pod is removed afterwards even when body fails, and then nothing
 * of it or of the containers whose ids body returns may be left.
 */
async function inPod(prefix: string, body: (pod: Pod) => Promise<string[]>): Promise<void> {
  const pod = await runPod(prefix);
  let ids: string[];
  try {
    ids = await body(pod);
  } catch (e) {
    await removePod(pod).catch(() => pod.cgroupParents.remove());
    throw e;
  }
  await removePod(pod);
  await expectNothingLeft(pod, ids);
}

/** After removePod: no container, sandbox, shim, skiff state, cgroup or mount is left. */
async function expectNothingLeft(pod: Pod, ids: string[]): Promise<void> {
  expect((await cri.call("ListContainers", {})).containers ?? []).toEqual([]);
  expect((await cri.call("ListPodSandbox", {})).items ?? []).toEqual([]);
  expect(ctrd.ctr(["containers", "ls", "-q"]).stdout).toBe("");
  expect(await waitFor(() => ctrd.shims().length === 0, 10_000)).toBe(true);
  for (const id of [pod.id, ...ids]) {
    expect(fs.existsSync(path.join(ctrd.runcRoot, ctrd.namespace, id))).toBe(false);
    expect(cgroupDirsNamed(id)).toEqual([]);
  }
  expect(cgroupDirsNamed(path.basename(pod.cgroup))).toEqual([]);
  expect(ctrd.mounts()).toEqual([]);
}

describe("containerd's CRI plugin with a skiff runtime entry", () => {
  it("answers Version over runtime.v1", async () => {
    const v = await cri.call("Version", { version: "v1" });
    expect(v.runtime_name).toBe("containerd");
    expect(v.runtime_api_version).toBe("v1");
  });

  it("a container's output reaches the CRI log and its exit code ContainerStatus", async () => {
    await inPod("exit", async (pod) => {
      expect(isSkiffState(pod.id)).toBe(true); // the sandbox (pause) container too is skiff's
      const id = await startContainer(pod, "exit", "echo hello from skiff; echo to stderr >&2; exit 7");
      expect(await until(async () => (await status(id)).state === CONTAINER_EXITED, 20_000)).toBe(true);
      const s = await status(id);
      expect(s.exit_code).toBe(7);
      expect(s.reason).toBe("Error");
      // containerd stamps started_at once the start call returns: a quick container may be done by then
      expect(s.started_at! > s.created_at! && s.finished_at! > s.created_at!).toBe(true);
      expect(logLines(pod, "exit").sort()).toEqual([
        ["stderr", "to stderr"],
        ["stdout", "hello from skiff"],
      ]);
      return [id];
    });
  }, 60_000);

  it("README's pod: skiff's while it runs; StopContainer kills it after the timeout", async () => {
    await inPod("hello", async (pod) => {
      const id = await startContainer(pod, "hello", HELLO_SCRIPT);
      expect(await until(async () => (await status(id)).state === CONTAINER_RUNNING, 20_000)).toBe(true);
      // skiff (not runc) runs it: skiff reads the state the shim had it write under Root/k8s.io
      expect(isSkiffState(id)).toBe(true);
      const st = skiffState(id);
      expect(st?.status).toBe("running");
      // busybox sh execs its last command: the init is now `sleep 3600`, in a pid namespace of its own
      expect(fs.readFileSync(`/proc/${st!.pid}/cmdline`, "utf8")).toBe("sleep\x003600\0");
      expect(fs.readlinkSync(`/proc/${st!.pid}/ns/pid`)).not.toBe(fs.readlinkSync("/proc/self/ns/pid"));
      // the pod's cgroup_parent, on the memory hierarchy (v1, hybrid) or the one v2 tree
      const hierarchy = cgroupMode === "v2" ? "0::" : ":memory:";
      expect(fs.readFileSync(`/proc/${st!.pid}/cgroup`, "utf8")).toContain(`${hierarchy}${pod.config.linux!.cgroup_parent}/${id}\n`);
      expect(fs.existsSync(ctrd.defaultRuntimeRoot)).toBe(false); // the default handler (runc) never ran
      expect(await waitFor(() => logLines(pod, "hello").length > 0, 10_000)).toBe(true);
      expect(logLines(pod, "hello")).toEqual([["stdout", "hello from skiff"]]);
      // sleep as pid 1 ignores SIGTERM, so the stop waits out the timeout and sends SIGKILL
      const t0 = Date.now();
      await cri.call("StopContainer", { container_id: id, timeout: 2n });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      const s = await status(id);
      expect(s.state).toBe(CONTAINER_EXITED);
      expect(s.exit_code).toBe(137);
      expect(skiffState(id)?.status ?? "stopped").toBe("stopped");
      await cri.call("RemoveContainer", { container_id: id });
      expect(fs.existsSync(path.join(ctrd.runcRoot, ctrd.namespace, id))).toBe(false);
      return [id];
    });
  }, 60_000);

  it("StopContainer's SIGTERM reaches a container that handles it", async () => {
    await inPod("term", async (pod) => {
      const id = await startContainer(pod, "term", "trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.1; done");
      expect(await waitFor(() => logLines(pod, "term").length > 0, 10_000)).toBe(true);
      const t0 = Date.now();
      await cri.call("StopContainer", { container_id: id, timeout: 30n });
      expect(Date.now() - t0).toBeLessThan(10_000);
      const s = await status(id);
      expect(s.exit_code ?? 0).toBe(0); // proto3 leaves out zeros
      expect(logLines(pod, "term")).toEqual([
        ["stdout", "ready"],
        ["stdout", "got TERM"],
      ]);
      return [id];
    });
  }, 60_000);
});
