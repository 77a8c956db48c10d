// The cgroup v2 path with real containers, on any host: skiff runs inside a private mount
// namespace whose /sys/fs/cgroup is a cgroup2 hierarchy alone (the v1 mounts are detached there),
// so that skiff sees a pure v2 host and placement, the cgroup namespace, the container's cgroup
// mount, freeze/thaw and removal all go through v2 even on a hybrid host. Where the container's
// cgroup lands is read from /proc/<pid>/cgroup (it depends on where this process sits). The
// machine's own mounts are never touched.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { makeBundle, Runtime, SKIFF, uniqueId } from "../testing/harness.js";
import { cgroup2MountCommand } from "../testing/host.js";
import { kernelAtLeast } from "./clone-into.js";

const rt = new Runtime();
const mountpoint = "/sys/fs/cgroup";
// The tree's root flags as the machine has them (nsdelegate, memory_recursiveprot, ...): the
// private mounts below must leave them so (the last test checks).
const machineCgroup2Mount = cgroup2MountCommand(mountpoint);
afterAll(() => rt.cleanup());

// `cgroupdir ID`: the directory of container ID's cgroup under the private mount, from its init's
// /proc/<pid>/cgroup (this mount namespace still sees the host's whole cgroup tree).
const CGROUPDIR = `cgroupdir() { echo "${mountpoint}$(sed -n 's/^0:://p' /proc/$("$SKIFF" --root "$ROOT" state "$1" | sed -n 's/^ *"pid": *\\([0-9]*\\).*/\\1/p')/cgroup)"; }`;

/** Runs a shell script in a private mount namespace with cgroup2 alone at `mountpoint`. */
function inV2(script: string): { status: number | null; stdout: string; stderr: string } {
  const setup = `umount -R "${mountpoint}" 2>/dev/null || umount -lR "${mountpoint}"\n${cgroup2MountCommand(mountpoint)}`;
  const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-ec", `${setup}\n${CGROUPDIR}\n${script}`], {
    encoding: "utf8",
    env: { ...process.env, SKIFF: SKIFF, ROOT: rt.root },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("cgroup v2 with real containers", () => {
  it("places the container, roots its cgroup namespace there and mounts its cgroup2 view", () => {
    const b = makeBundle(["sh", "-c", "grep '^0::' /proc/self/cgroup; cat /sys/fs/cgroup/cgroup.procs | wc -l; grep ' /sys/fs/cgroup ' /proc/self/mountinfo | grep -o 'cgroup2'"], (c) => {
      // skiff spec's default already has one on a cgroup v2 host, as runc's does
      if (!c.linux!.namespaces!.some((n) => n.type === "cgroup")) c.linux!.namespaces!.push({ type: "cgroup" });
    });
    rt.trackDir(b.dir);
    const id = uniqueId("v2");
    const r = inV2(
      [
        `"$SKIFF" --root "$ROOT" create --bundle "${b.dir}" ${id}`,
        `dir=$(cgroupdir ${id})`,
        `"$SKIFF" --root "$ROOT" start ${id}`,
        `for i in $(seq 50); do "$SKIFF" --root "$ROOT" state ${id} | grep -q stopped && break; sleep 0.1; done`,
        `"$SKIFF" --root "$ROOT" delete ${id}`,
        `[ -n "$dir" ] && [ ! -e "$dir" ] && echo removed`,
      ].join("\n"),
    );
    expect(r.stderr).toBe("");
    const [cgroupLine, procs, fstype, removed] = r.stdout.trim().split("\n").map((l) => l.trim());
    expect(cgroupLine).toBe("0::/");
    expect(Number(procs)).toBeGreaterThanOrEqual(1);
    expect(fstype).toBe("cgroup2");
    expect(removed).toBe("removed");
  });

  it("pause and resume through cgroup.freeze; kill --all; delete removes the cgroup", () => {
    // busybox sh execs its last command: the init is one sleep, the other its child
    const b = makeBundle(["sh", "-c", "sleep 1000 & sleep 1000"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("v2"));
    const r = inV2(
      [
        `"$SKIFF" --root "$ROOT" run -d --bundle "${b.dir}" ${id}`,
        `dir=$(cgroupdir ${id})`,
        `"$SKIFF" --root "$ROOT" pause ${id}`,
        `echo "freeze=$(cat $dir/cgroup.freeze) status=$("$SKIFF" --root "$ROOT" state ${id} | grep -o '"status": "[a-z]*"')"`,
        `"$SKIFF" --root "$ROOT" resume ${id}`,
        `echo "freeze=$(cat $dir/cgroup.freeze) procs=$(wc -l < $dir/cgroup.procs)"`,
        `"$SKIFF" --root "$ROOT" kill --all ${id} KILL`,
        `for i in $(seq 50); do "$SKIFF" --root "$ROOT" state ${id} | grep -q stopped && break; sleep 0.1; done`,
        `"$SKIFF" --root "$ROOT" delete ${id}`,
        `[ -n "$dir" ] && [ ! -e "$dir" ] && echo removed`,
      ].join("\n"),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n")).toEqual(['freeze=1 status="status": "paused"', "freeze=0 procs=2", "removed"]);
  });

  it("places a container with a user namespace too (its helper is moved there: it could not clone into it)", () => {
    const b = makeBundle(["true"], (c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    fs.chmodSync(b.dir, 0o755); // the container's root is host uid 100000: it must reach the rootfs
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("v2"));
    const r = inV2(
      [
        `"$SKIFF" --root "$ROOT" create --bundle "${b.dir}" ${id}`,
        `dir=$(cgroupdir ${id})`,
        `[ -n "$dir" ] && grep -qx "$("$SKIFF" --root "$ROOT" state ${id} | sed -n 's/^ *"pid": *\\([0-9]*\\).*/\\1/p')" $dir/cgroup.procs && echo placed`,
        `"$SKIFF" --root "$ROOT" delete --force ${id}`,
      ].join("\n"),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("placed");
  });

  it("delegates the cgroup to the container's root with a cgroup namespace and a writable cgroup mount (runc's OwnerUID)", () => {
    const bundle = (writable: boolean) => {
      const b = makeBundle(["stat", "-c", "%n %u", "/sys/fs/cgroup", "/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/cgroup.max.depth"], (c) => {
        if (!c.linux!.namespaces!.some((n) => n.type === "cgroup")) c.linux!.namespaces!.push({ type: "cgroup" });
        c.linux!.namespaces!.push({ type: "user" });
        c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        for (const m of c.mounts!) if (m.type === "cgroup") m.options = [...m.options!.filter((o) => o !== "ro"), ...(writable ? [] : ["ro"])];
      });
      fs.chmodSync(b.dir, 0o755); // the container's root is host uid 100000: it must reach the rootfs
      rt.trackDir(b.dir);
      return b;
    };
    const [rw, ro] = [bundle(true), bundle(false)];
    const r = inV2([`"$SKIFF" --root "$ROOT" run --bundle "${rw.dir}" ${rt.track(uniqueId("v2"))}`, `"$SKIFF" --root "$ROOT" run --bundle "${ro.dir}" ${rt.track(uniqueId("v2"))}`].join("\n"));
    expect(r.stderr).toBe("");
    // the directory and the files the kernel lists for a delegatee are its root's; the rest stay
    // host root's (65534 inside: unmapped)
    expect(r.stdout.trim().split("\n")).toEqual([
      "/sys/fs/cgroup 0",
      "/sys/fs/cgroup/cgroup.procs 0",
      "/sys/fs/cgroup/cgroup.max.depth 65534",
      "/sys/fs/cgroup 65534",
      "/sys/fs/cgroup/cgroup.procs 65534",
      "/sys/fs/cgroup/cgroup.max.depth 65534",
    ]);
  });

  it("an exec's process is cloned into the container's cgroup (Linux 5.7): nothing is moved", () => {
    const b = makeBundle(["sleep", "1000"], (c) => {
      if (!c.linux!.namespaces!.some((n) => n.type === "cgroup")) c.linux!.namespaces!.push({ type: "cgroup" });
    });
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("v2"));
    const r = inV2(
      [
        `"$SKIFF" --root "$ROOT" run -d --bundle "${b.dir}" ${id}`,
        // --debug names every cgroup.procs written; the process sees its cgroup from the container's cgroup namespace
        `"$SKIFF" --root "$ROOT" --debug exec ${id} grep ^0:: /proc/self/cgroup 2>&1 | grep -E '^0::|cgroup.procs' | sed 's/.*msg="//'`,
        `"$SKIFF" --root "$ROOT" delete --force ${id}`,
      ].join("\n"),
    );
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    if (kernelAtLeast(os.release(), 5, 7)) expect(lines).toEqual(["0::/"]);
    else expect(lines).toEqual([expect.stringMatching(/^write .*\/cgroup\.procs = \d+/), "0::/"]);
  });

  it("an exec's waiting helper is not left in the container's cgroup; a cgroup that takes no process sends exec to the init's (runc)", () => {
    const b = makeBundle(["sleep", "1000"], (c) => {
      if (!c.linux!.namespaces!.some((n) => n.type === "cgroup")) c.linux!.namespaces!.push({ type: "cgroup" });
      for (const m of c.mounts!) if (m.type === "cgroup") m.options = m.options!.filter((o) => o !== "ro");
    });
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("v2"));
    const r = inV2(
      [
        `"$SKIFF" --root "$ROOT" run -d --bundle "${b.dir}" ${id}`,
        `x() { "$SKIFF" --root "$ROOT" exec ${id} "$@"; }`,
        // while an exec waits, its cgroup holds the init and the process: the helper is not there
        `x cat /sys/fs/cgroup/cgroup.procs | wc -l`,
        // the init moves to a sub-cgroup; an exec still joins the container's own
        `x mkdir /sys/fs/cgroup/init`,
        `x sh -c 'echo 1 > /sys/fs/cgroup/init/cgroup.procs'`,
        `x grep ^0:: /proc/self/cgroup`,
        // a domain controller enabled for the children: the container's cgroup takes no process
        `ctl=$(x cat /sys/fs/cgroup/cgroup.controllers | tr ' ' '\\n' | grep -E '^(memory|io|hugetlb|rdma|misc)$' | head -1)`,
        `if [ -n "$ctl" ]; then`,
        `  x sh -c "echo \\$\\$ > /sys/fs/cgroup/init/cgroup.procs; echo +$ctl > /sys/fs/cgroup/cgroup.subtree_control" && x grep ^0:: /proc/self/cgroup`,
        // a cgroup the caller chose is no place to fall back from
        `  "$SKIFF" --root "$ROOT" exec --cgroup / ${id} true 2>&1 | grep -o 'cgroup.procs: device or resource busy'`,
        `  x sh -c "echo -$ctl > /sys/fs/cgroup/cgroup.subtree_control"`,
        `else echo "no domain controller here"; fi`,
        `"$SKIFF" --root "$ROOT" delete --force ${id}`,
      ].join("\n"),
    );
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 2)).toEqual(["2", "0::/"]); // the init and cat
    expect(lines.slice(2)).toSatisfy((rest: string[]) => rest.join() === "0::/init,cgroup.procs: device or resource busy" || rest.join() === "no domain controller here");
  });

  it("passes on below the root every controller the tree has there (runc's way), so a nested cgroup manager finds them", () => {
    const b = makeBundle(["cat", "/sys/fs/cgroup/cgroup.controllers"], (c) => {
      if (!c.linux!.namespaces!.some((n) => n.type === "cgroup")) c.linux!.namespaces!.push({ type: "cgroup" });
      c.linux!.cgroupsPath = `/skiff-pass-on-${process.pid}/c`;
    });
    rt.trackDir(b.dir);
    const r = inV2([`cat "${mountpoint}/cgroup.subtree_control"`, `"$SKIFF" --root "$ROOT" run --bundle "${b.dir}" ${rt.track(uniqueId("v2"))}`].join("\n"));
    expect(r.stderr).toBe("");
    const [rootEnabled, inside] = r.stdout.split("\n").map((l) => l.trim().split(/\s+/).filter(Boolean));
    // what the host's root gives its children (cpuset on a systemd host) reaches the container
    expect(inside).toEqual(expect.arrayContaining(rootEnabled));
    expect(fs.existsSync(`${mountpoint}/unified/skiff-pass-on-${process.pid}`) || fs.existsSync(`${mountpoint}/skiff-pass-on-${process.pid}`)).toBe(false);
  });

  it("from a caller in a cgroup with processes (a service), places the container beside it and never writes the caller's cgroup", () => {
    // Without a cgroup namespace the container sees its cgroup's full path.
    const b = makeBundle(["sh", "-c", "sed -n 's/^0:://p' /proc/self/cgroup"], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "cgroup");
    });
    rt.trackDir(b.dir);
    const parent = `skiff-caller-${process.pid}`;
    const ids = [rt.track(uniqueId("v2")), rt.track(uniqueId("v2"))];
    // The shell moves itself into $parent/svc, as systemd puts a service's processes in its own
    // cgroup, runs skiff twice from there (a damaged cgroup would fail the second run), then
    // goes back and removes what it made (bottom-up: a failed run may leave its cgroup inside).
    const r = inV2(
      [
        `own="${mountpoint}$(sed -n 's/^0:://p' /proc/self/cgroup)"`,
        `svc="${mountpoint}/${parent}/svc"`,
        `trap 'echo $$ > "$own/cgroup.procs"; find "${mountpoint}/${parent}" -depth -type d -exec rmdir {} +' EXIT`,
        `mkdir -p "$svc" && echo $$ > "$svc/cgroup.procs"`,
        ...ids.map((id) => `"$SKIFF" --root "$ROOT" run --bundle "${b.dir}" ${id}`),
        `echo "type=$(cat "$svc/cgroup.type") subtree=[$(cat "$svc/cgroup.subtree_control")] left=$(ls -d "${mountpoint}/${parent}"/*/ | wc -l)"`,
      ].join("\n"),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n")).toEqual([...ids.map((id) => `/${parent}/${id}`), "type=domain subtree=[] left=1"]);
  });

  it("leaves the machine's cgroup2 mount options (its root flags) as they were", () => {
    expect(cgroup2MountCommand(mountpoint)).toBe(machineCgroup2Mount);
  });
});
