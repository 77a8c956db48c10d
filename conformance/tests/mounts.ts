// config.md "Mounts" and config-linux.md "Default Filesystems" and "Rootfs Mount Propagation".
import * as fs from "node:fs";
import * as path from "node:path";
import type { Mount } from "../../src/spec/types.js";
import { spawnSync } from "node:child_process";
import { check, checkEqual, fail, skip } from "../assert.js";
import { idmapSupported, probeTest } from "../define.js";
import { type Bundle, type ConformanceTest } from "../harness.js";
import { isProbeError, mountAt, parseMountInfo, probeValue, type MountInfo, type ProbeReport } from "../probe-report.js";
import type { Clause } from "../results.js";

const mountsClause = (text: string, level: Clause["level"] = "MUST"): Clause => ({ doc: "config.md", section: "Mounts", level, text });

const mountsOf = (r: ProbeReport): MountInfo[] => parseMountInfo(probeValue(r.mountinfo, "/proc/self/mountinfo"));

function mounted(r: ProbeReport, mountPoint: string): MountInfo {
  const m = mountAt(mountsOf(r), mountPoint);
  if (m === undefined) fail(`nothing is mounted at ${mountPoint}`);
  return m;
}

/** A host directory in the bundle (outside the rootfs) holding one file, for bind mounts. */
function hostDir(bundle: Bundle, name: string, content: string): string {
  const dir = path.join(bundle.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "file"), content);
  return dir;
}

function addMounts(bundle: Bundle, ...mounts: Mount[]): void {
  bundle.spec.mounts!.push(...mounts);
}

function checkOptions(m: MountInfo, expected: string[]): void {
  const all = [...m.options, ...m.superOptions];
  const missing = expected.filter((o) => !all.includes(o));
  checkEqual(missing, [], `options of ${m.mountPoint} missing (has ${all.join(",")})`);
}

/** The host mount holding `dir`: the longest mount point that is a prefix of it. */
function hostMountOf(dir: string): MountInfo | undefined {
  return parseMountInfo(fs.readFileSync("/proc/self/mountinfo", "utf8"))
    .filter((m) => dir === m.mountPoint || dir.startsWith(m.mountPoint === "/" ? "/" : `${m.mountPoint}/`))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0];
}

function propagationTest(propagation: string, expectTag: (fields: string[]) => boolean, what: string): ConformanceTest {
  return probeTest({
    id: `mounts.rootfs-propagation-${propagation}`,
    clause: {
      doc: "config-linux.md",
      section: "Rootfs Mount Propagation",
      level: "MUST",
      text: `rootfsPropagation ${propagation} makes the container's root mount ${what}`,
    },
    configure: (spec, bundle) => {
      // A slave of a private mount is private: slave is only observable when the host shares.
      const host = hostMountOf(bundle.dir);
      if (propagation === "slave" && !hasPrefix(host?.optionalFields ?? [], "shared:")) {
        skip(`the host mount ${host?.mountPoint} holding the bundle is private, so a slave root looks private`);
      }
      spec.linux!.rootfsPropagation = propagation;
    },
    expect: (r) => {
      const root = mounted(r, "/");
      check(expectTag(root.optionalFields), `the root mount's propagation fields are [${root.optionalFields.join(" ")}]`);
    },
  });
}

/** ID_MAP of the user namespace and of the idmapped mount: container 0..65535 is host 100000... */
const ID_MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];

/** mount(8) in the runner's namespace; the bundle's tmpfs submounts are private to the test. */
function hostMount(args: string[]): void {
  const r = spawnSync("mount", args, { encoding: "utf8" });
  check(r.status === 0, `mount ${args.join(" ")} failed: ${r.stderr}`);
}

/**
 * rbind of a host directory that has a mount inside it, with recursive (AT_RECURSIVE) options:
 * the bound directory and the submount under it both carry the flags.
 */
const recursiveAttributesTest: ConformanceTest = {
  id: "mounts.recursive-attributes",
  clause: mountsClause("the recursive options rro, rnosuid, rnodev and rnoexec apply to the mount and every mount below it", "SHOULD"),
  async run(t) {
    const bundle = t.bundle((spec) => (spec.process!.args = ["/probe", "report", "--write", "/mnt/tree/sub"]));
    const source = hostDir(bundle, "tree", "top");
    fs.mkdirSync(path.join(source, "sub"));
    hostMount(["-t", "tmpfs", "-o", "size=1m", "conformance-sub", path.join(source, "sub")]);
    try {
      addMounts(bundle, { destination: "/mnt/tree", type: "bind", source, options: ["rbind", "rro", "rnosuid", "rnodev", "rnoexec"] });
      bundle.write();
      const r = await t.container(bundle).runToCompletion();
      for (const mountPoint of ["/mnt/tree", "/mnt/tree/sub"]) {
        const m = mounted(r, mountPoint);
        const missing = ["ro", "nosuid", "nodev", "noexec"].filter((o) => !m.options.includes(o));
        checkEqual(missing, [], `per-mount flags of ${mountPoint} missing (has ${m.options.join(",")})`);
      }
      const write = r.write["/mnt/tree/sub"];
      check(isProbeError(write) && write.error === "EROFS", `writing into the submount gave ${JSON.stringify(write)}, not EROFS`);
    } finally {
      spawnSync("umount", ["-l", path.join(source, "sub")]);
    }
  },
};

const hasPrefix = (fields: string[], prefix: string): boolean => fields.some((f) => f.startsWith(prefix));

export const mountTests: ConformanceTest[] = [
  probeTest({
    id: "mounts.filesystem-types",
    clause: mountsClause("each mount is made with its type: proc, sysfs, tmpfs, devpts, mqueue (the default filesystems among them)"),
    expect: (r) => {
      const expected: Record<string, string> = { "/proc": "proc", "/sys": "sysfs", "/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs", "/dev/mqueue": "mqueue" };
      const got = Object.fromEntries(Object.keys(expected).map((p) => [p, mountAt(mountsOf(r), p)?.fsType]));
      checkEqual(got, expected, "filesystem type at each mount point");
    },
  }),
  probeTest({
    id: "mounts.bind-directory",
    clause: mountsClause("a bind mount makes the source directory visible at the destination"),
    probeArgs: ["--read", "/mnt/bound/file"],
    configure: (_spec, bundle) => addMounts(bundle, { destination: "/mnt/bound", type: "bind", source: hostDir(bundle, "shared", "bound content"), options: ["bind"] }),
    expect: (r) => checkEqual(r.read["/mnt/bound/file"], "bound content", "file seen through the bind mount"),
  }),
  probeTest({
    id: "mounts.bind-file",
    clause: mountsClause("a bind mount of a file makes the source file visible at the destination"),
    probeArgs: ["--read", "/etc/bound-file"],
    configure: (_spec, bundle) => {
      const source = path.join(hostDir(bundle, "single", "one file"), "file");
      addMounts(bundle, { destination: "/etc/bound-file", type: "bind", source, options: ["rbind"] });
    },
    expect: (r) => checkEqual(r.read["/etc/bound-file"], "one file", "file seen through the bind mount"),
  }),
  probeTest({
    id: "mounts.order",
    clause: mountsClause("mounts are made in the listed order (a later mount can sit on top of an earlier one)"),
    probeArgs: ["--read", "/mnt/outer/inner/file"],
    configure: (_spec, bundle) =>
      addMounts(
        bundle,
        { destination: "/mnt/outer", type: "tmpfs", source: "tmpfs", options: ["size=1m"] },
        { destination: "/mnt/outer/inner", type: "bind", source: hostDir(bundle, "inner", "inner content"), options: ["bind"] },
      ),
    expect: (r) => {
      checkEqual(r.read["/mnt/outer/inner/file"], "inner content", "file in the inner mount");
      const outer = mounted(r, "/mnt/outer");
      const inner = mounted(r, "/mnt/outer/inner");
      checkEqual(inner.parentId, outer.id, "parent of the inner mount (the outer tmpfs)");
    },
  }),
  probeTest({
    id: "mounts.relative-destination",
    clause: mountsClause("a relative destination is interpreted relative to /"),
    configure: (_spec, bundle) => addMounts(bundle, { destination: "mnt/relative", type: "tmpfs", source: "tmpfs", options: ["size=1m"] }),
    expect: (r) => checkEqual(mounted(r, "/mnt/relative").fsType, "tmpfs", "filesystem at /mnt/relative"),
  }),
  probeTest({
    id: "mounts.flag-options",
    clause: mountsClause("the mount(8) options ro, nosuid, nodev, noexec and noatime are applied"),
    configure: (_spec, bundle) =>
      addMounts(bundle, { destination: "/mnt/flags", type: "tmpfs", source: "tmpfs", options: ["ro", "nosuid", "nodev", "noexec", "noatime"] }),
    expect: (r) => checkOptions(mounted(r, "/mnt/flags"), ["ro", "nosuid", "nodev", "noexec", "noatime"]),
  }),
  probeTest({
    id: "mounts.nosymfollow",
    clause: mountsClause("the nosymfollow option (kernel 5.10+) is applied: symlinks on the mount are not followed", "SHOULD"),
    probeArgs: ["--read", "/mnt/nofollow/link"],
    configure: (_spec, bundle) => {
      const source = hostDir(bundle, "nofollow-source", "target content");
      fs.symlinkSync("file", path.join(source, "link"));
      addMounts(bundle, { destination: "/mnt/nofollow", type: "bind", source, options: ["bind", "nosymfollow"] });
    },
    expect: (r) => {
      checkOptions(mounted(r, "/mnt/nofollow"), ["nosymfollow"]);
      const read = r.read["/mnt/nofollow/link"];
      check(isProbeError(read) && read.error === "ELOOP", `reading through the symlink gave ${JSON.stringify(read)}, not ELOOP`);
    },
  }),
  probeTest({
    id: "mounts.bind-readonly",
    clause: mountsClause("bind together with ro gives a read-only bind mount"),
    probeArgs: ["--write", "/mnt/ro-bind"],
    configure: (_spec, bundle) =>
      addMounts(bundle, { destination: "/mnt/ro-bind", type: "bind", source: hostDir(bundle, "ro-source", "x"), options: ["bind", "ro"] }),
    expect: (r) => {
      checkOptions(mounted(r, "/mnt/ro-bind"), ["ro"]);
      const write = r.write["/mnt/ro-bind"];
      check(isProbeError(write) && write.error === "EROFS", `writing into the read-only bind gave ${JSON.stringify(write)}`);
    },
  }),
  probeTest({
    id: "mounts.filesystem-specific-options",
    clause: mountsClause("options mount(8) does not know are passed to the filesystem (here tmpfs size and mode)", "SHOULD"),
    probeArgs: ["--stat", "/mnt/sized"],
    configure: (_spec, bundle) => addMounts(bundle, { destination: "/mnt/sized", type: "tmpfs", source: "tmpfs", options: ["size=2m", "mode=700"] }),
    expect: (r) => {
      checkOptions(mounted(r, "/mnt/sized"), ["size=2048k", "mode=700"]);
    },
  }),
  recursiveAttributesTest,
  probeTest({
    id: "mounts.propagation-options",
    clause: mountsClause("the propagation options shared, rshared and unbindable set the mount's propagation type"),
    configure: (_spec, bundle) =>
      addMounts(
        bundle,
        { destination: "/mnt/prop-shared", type: "tmpfs", source: "tmpfs", options: ["size=1m", "shared"] },
        { destination: "/mnt/prop-rshared", type: "bind", source: hostDir(bundle, "rshared-source", "x"), options: ["rbind", "rshared"] },
        { destination: "/mnt/prop-unbindable", type: "tmpfs", source: "tmpfs", options: ["size=1m", "unbindable"] },
      ),
    expect: (r) => {
      for (const p of ["/mnt/prop-shared", "/mnt/prop-rshared"]) {
        const fields = mounted(r, p).optionalFields;
        check(hasPrefix(fields, "shared:"), `${p} is not shared: its propagation fields are [${fields.join(" ")}]`);
      }
      const unbindable = mounted(r, "/mnt/prop-unbindable").optionalFields;
      check(unbindable.includes("unbindable"), `/mnt/prop-unbindable is not unbindable: [${unbindable.join(" ")}]`);
    },
  }),
  probeTest({
    id: "mounts.idmapped",
    clause: mountsClause(
      "a mount with the idmap option and uidMappings/gidMappings shows the source's owners through those mappings (mount_setattr MOUNT_ATTR_IDMAP)",
      "SHOULD",
    ),
    probeArgs: ["--stat", "/mnt/idmapped/file", "--stat", "/mnt/idmapped/owned-by-5", "--stat", "/mnt/plain/file"],
    configure: (spec, bundle) => {
      spec.linux!.namespaces!.push({ type: "user" });
      spec.linux!.uidMappings = ID_MAP;
      spec.linux!.gidMappings = ID_MAP;
      // Files owned on disk by host 0 and 5: without an idmap the container sees no owner for them.
      // The mapped root cannot write the host-owned rootfs: the mount points exist beforehand.
      for (const dir of ["mnt/idmapped", "mnt/plain"]) fs.mkdirSync(path.join(bundle.rootfs, dir), { recursive: true });
      const source = hostDir(bundle, "idmap-source", "x");
      if (!idmapSupported(source)) skip(`the filesystem of ${source} cannot be idmapped (e.g. overlayfs or tmpfs on older kernels)`);
      fs.writeFileSync(path.join(source, "owned-by-5"), "y");
      fs.chownSync(path.join(source, "owned-by-5"), 5, 5);
      addMounts(
        bundle,
        { destination: "/mnt/idmapped", type: "bind", source, options: ["bind", "idmap"], uidMappings: ID_MAP, gidMappings: ID_MAP },
        { destination: "/mnt/plain", type: "bind", source, options: ["bind"] },
      );
    },
    expect: (r) => {
      const owners = (p: string): [number, number] => {
        const st = probeValue(r.stat[p], p);
        return [st.uid, st.gid];
      };
      checkEqual(owners("/mnt/plain/file"), [65534, 65534], "owner of a host-root file without idmap (the overflow id: proves the test discriminates)");
      checkEqual(owners("/mnt/idmapped/file"), [0, 0], "owner of the host-root file through the idmapped mount");
      checkEqual(owners("/mnt/idmapped/owned-by-5"), [5, 5], "owner of the host-uid-5 file through the idmapped mount");
    },
  }),
  propagationTest("shared", (f) => hasPrefix(f, "shared:"), "a member of a peer group (shared:N)"),
  propagationTest("slave", (f) => hasPrefix(f, "master:") && !hasPrefix(f, "shared:"), "a slave of the host's mount (master:N)"),
  propagationTest("private", (f) => !hasPrefix(f, "shared:") && !hasPrefix(f, "master:"), "private (no shared:/master: tag)"),
  propagationTest("unbindable", (f) => f.includes("unbindable"), "unbindable"),
];
