// config-linux.md "Namespaces" on real containers: each new namespace differs from the host's,
// a namespace path is joined, user namespaces get their id maps.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { idmapSupported } from "../../conformance/define.js";
import { makeBundle, Runtime, uniqueId } from "../testing/harness.js";
import type { NamespaceType } from "../spec/types.js";

const rt = new Runtime();
const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started) p.kill("SIGKILL");
  rt.cleanup();
});

const NS_FILES: Record<NamespaceType, string> = { pid: "pid", network: "net", mount: "mnt", ipc: "ipc", uts: "uts", user: "user", cgroup: "cgroup", time: "time" };

function runOut(args: string[], edit?: Parameters<typeof makeBundle>[1]): string {
  const b = makeBundle(args, edit);
  // The container's root may be an unprivileged host uid (user namespace): it must reach the rootfs.
  fs.chmodSync(b.dir, 0o755);
  rt.trackDir(b.dir);
  const r = rt.skiff(["run", "--bundle", b.dir, uniqueId()]);
  if (r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe("namespaces", () => {
  it("every new namespace differs from the host's; pid 1 inside", () => {
    const types: NamespaceType[] = ["pid", "network", "mount", "ipc", "uts", "cgroup", "time"];
    const out = runOut(["sh", "-c", `echo $$; for n in ${types.map((t) => NS_FILES[t]).join(" ")}; do readlink /proc/self/ns/$n; done`], (c) => {
      c.linux!.namespaces = types.map((type) => ({ type }));
    });
    const [pid, ...links] = out.trim().split("\n");
    expect(pid).toBe("1");
    types.forEach((t, i) => expect(links[i], t).not.toBe(fs.readlinkSync(`/proc/self/ns/${NS_FILES[t]}`)));
  });

  it("without a namespace entry the host's is shared", () => {
    const out = runOut(["readlink", "/proc/self/ns/net"], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "network");
    });
    expect(out.trim()).toBe(fs.readlinkSync("/proc/self/ns/net"));
  });

  it("without a mount namespace: mounts are skipped with a warning, the root is a chroot, the host's mounts stay as they were", () => {
    const before = fs.readFileSync("/proc/self/mountinfo", "utf8");
    const b = makeBundle(["sh", "-c", "cat /etc/group; ls /proc | wc -l"], (c) => {
      c.linux!.namespaces = [{ type: "pid" }];
      c.linux!.maskedPaths = [];
      c.linux!.readonlyPaths = [];
      c.root!.readonly = false;
      delete c.hostname;
    });
    rt.trackDir(b.dir);
    expect(b.config.mounts!.length).toBeGreaterThan(0);
    const r = rt.skiff(["run", "--bundle", b.dir, uniqueId()]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("mounts: not mounted: without a mount namespace they would change the runtime's own mounts");
    // the rootfs's own /etc/group, and an unmounted /proc
    expect(r.stdout).toBe(fs.readFileSync(`${b.rootfs}/etc/group`, "utf8") + "0\n");
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).toBe(before);
    // a read-only root would remount the host's filesystem: refused
    const ro = makeBundle(["true"], (c) => {
      c.linux!.namespaces = [{ type: "pid" }];
      c.linux!.maskedPaths = [];
      c.linux!.readonlyPaths = [];
      c.root!.readonly = true;
      delete c.hostname;
    });
    rt.trackDir(ro.dir);
    const refused = rt.skiff(["run", "--bundle", ro.dir, uniqueId()]);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe("config.json: /root/readonly: needs a mount namespace in /linux/namespaces");
  });

  it("a namespace path is joined", async () => {
    const holder = spawn("unshare", ["--uts", "sh", "-c", "hostname joined-uts; exec sleep 60"], { stdio: "ignore" });
    started.push(holder);
    const nsPath = `/proc/${holder.pid}/ns/uts`;
    // wait until the holder has set its hostname inside its own namespace
    for (let i = 0; i < 100 && fs.readlinkSync(nsPath) === fs.readlinkSync("/proc/self/ns/uts"); i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const out = runOut(["sh", "-c", "hostname; readlink /proc/self/ns/uts"], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === "uts" ? { type: "uts", path: nsPath } : n));
      delete c.hostname;
    });
    expect(out.trim().split("\n")).toEqual(["joined-uts", fs.readlinkSync(nsPath)]);
  });

  it("a user namespace maps ids as configured", () => {
    const out = runOut(["sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map"], (c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      // sysfs cannot be mounted in a user namespace without its own network namespace's rights
      c.mounts = c.mounts!.filter((m) => m.destination !== "/sys" && m.destination !== "/sys/fs/cgroup");
    });
    const lines = out.trim().split("\n").map((l) => l.trim().split(/\s+/).join(" "));
    expect(lines).toEqual(["0", "0", "0 100000 65536", "0 100000 65536"]);
  });

  // One of the sources is idmapped: the kernel must idmap the filesystem under the test's tmpdir.
  const noIdmap = !idmapSupported(os.tmpdir()); // the test guest's /tmp: overlayfs on 6.1
  it.skipIf(noIdmap)(`in a user namespace, bind sources the container's root cannot reach are mounted; a read-only host mount stays read-only, idmapped or not${noIdmap ? ` (skipped: ${os.tmpdir()} cannot be idmapped)` : ""}`, () => {
    // runc's userns.bats "userns with 2 inaccessible mounts": the runtime opens the sources.
    const host = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-userns-src-")));
    const ro = path.join(host, "ro");
    for (const d of ["private-1/dir", "private-2/dir", "ro"]) fs.mkdirSync(path.join(host, d), { recursive: true });
    for (const p of ["private-1", "private-2"]) {
      fs.writeFileSync(path.join(host, p, "dir/foo.txt"), `${p}\n`);
      fs.chmodSync(path.join(host, p), 0o700);
    }
    // The container's root owns this one: only the mount's read-only flag stops its writes.
    fs.chownSync(ro, 100000, 100000);
    expect(spawnSync("mount", ["--bind", ro, ro]).status).toBe(0);
    try {
      expect(spawnSync("mount", ["-o", "remount,bind,ro", ro]).status).toBe(0);
      const remount = (dir: string) => `mount -o remount,bind,rw ${dir} 2>/dev/null && echo remounted || echo kept; touch ${dir}/x 2>/dev/null || echo refused`;
      const out = runOut(["sh", "-c", `cat /tmp/1/foo.txt /tmp/2/foo.txt; ${remount("/tmp/ro")}; ${remount("/tmp/ro-idmapped")}`], (c) => {
        c.linux!.namespaces!.push({ type: "user" });
        c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        // the container's root may remount (and so try to lift the read-only flag)
        for (const set of ["bounding", "effective", "permitted"] as const) c.process!.capabilities![set]!.push("CAP_SYS_ADMIN");
        // a tmpfs the container's root owns, for the mount points
        c.mounts = c.mounts!.filter((m) => m.destination !== "/sys" && m.destination !== "/sys/fs/cgroup");
        c.mounts.push(
          { type: "tmpfs", source: "tmpfs", destination: "/tmp", options: ["uid=0", "gid=0"] },
          { source: path.join(host, "private-1/dir"), destination: "/tmp/1", options: ["bind"] },
          { source: path.join(host, "private-2/dir"), destination: "/tmp/2", options: ["rbind"] },
          { source: ro, destination: "/tmp/ro", options: ["bind"] },
          // idmapped onto the container's ids, so its root owns it there too
          { source: ro, destination: "/tmp/ro-idmapped", options: ["bind", "idmap"], uidMappings: [{ containerID: 0, hostID: 100000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 1 }] },
        );
      });
      expect(out).toBe("private-1\nprivate-2\nkept\nrefused\nkept\nrefused\n");
    } finally {
      spawnSync("umount", [ro]);
    }
  });

  it("in a user namespace, a bind source that does not exist is named in the error", () => {
    const b = makeBundle(["true"], (c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.mounts = c.mounts!.filter((m) => m.destination !== "/sys" && m.destination !== "/sys/fs/cgroup");
      c.mounts.push({ source: "/no/such/source", destination: "/tmp/x", options: ["bind"] });
    });
    rt.trackDir(b.dir);
    const id = uniqueId();
    const r = rt.skiff(["run", "--bundle", b.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("clone the bind mount sources in the container's mount namespace: no such file or directory (open /no/such/source)");
    expect(rt.skiff(["state", id]).status).toBe(1);
  });
});
