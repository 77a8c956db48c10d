// config-linux.md "Devices", "Default Devices", "Masked Paths", "Readonly Paths", "Sysctl":
// what the container may see and do.
import * as fs from "node:fs";
import * as path from "node:path";
import { check, checkEqual } from "../assert.js";
import { createFailsTest, probeTest } from "../define.js";
import { type ConformanceTest } from "../harness.js";
import { isProbeError, mountAt, parseMountInfo, probeValue, type ProbeReport } from "../probe-report.js";
import type { Clause } from "../results.js";

const linuxClause = (section: string, text: string, level: Clause["level"] = "MUST"): Clause => ({ doc: "config-linux.md", section, level, text });

/** config-linux.md "Default Devices" with their major:minor (devices.txt). */
const DEFAULT_DEVICES: Record<string, [number, number]> = {
  "/dev/null": [1, 3],
  "/dev/zero": [1, 5],
  "/dev/full": [1, 7],
  "/dev/random": [1, 8],
  "/dev/urandom": [1, 9],
  "/dev/tty": [5, 0],
};

function writeRootfsFile(rootfs: string, file: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(rootfs, file)), { recursive: true });
  fs.writeFileSync(path.join(rootfs, file), content);
}

/** A read that the mask turned into nothing: empty (a /dev/null bind) or refused. */
function checkUnreadable(r: ProbeReport, file: string): void {
  const read = r.read[file];
  check(isProbeError(read) || read === "", `${file} is still readable: ${JSON.stringify(read)?.slice(0, 80)}`);
}

export const linuxSecurityTests: ConformanceTest[] = [
  probeTest({
    id: "devices.defaults",
    clause: linuxClause("Default Devices", "the runtime supplies /dev/null, zero, full, random, urandom, tty (as those character devices) and /dev/ptmx"),
    probeArgs: [...Object.keys(DEFAULT_DEVICES), "/dev/ptmx"].flatMap((p) => ["--stat", p]),
    expect: (r) => {
      for (const [device, [major, minor]] of Object.entries(DEFAULT_DEVICES)) {
        const st = probeValue(r.stat[device], device);
        checkEqual([st.type, st.major, st.minor], ["c", major, minor], `${device} type, major, minor`);
      }
      const ptmx = probeValue(r.stat["/dev/ptmx"], "/dev/ptmx");
      check(ptmx.type === "l" || (ptmx.type === "c" && ptmx.major === 5 && ptmx.minor === 2), `/dev/ptmx is ${JSON.stringify(ptmx)}`);
    },
  }),
  probeTest({
    id: "devices.defaults-usable",
    clause: linuxClause("Default Devices", "the default devices can be opened for reading and writing in the container"),
    probeArgs: ["/dev/null", "/dev/zero", "/dev/full", "/dev/urandom"].flatMap((p) => ["--open-rw", p]),
    expect: (r) => {
      for (const device of ["/dev/null", "/dev/zero", "/dev/full", "/dev/urandom"]) checkEqual(r.openRw[device], { ok: true }, `opening ${device}`);
    },
  }),
  probeTest({
    id: "devices.configured",
    clause: linuxClause("Devices", "each linux.devices entry is available at its path with its type, numbers, fileMode, uid and gid"),
    probeArgs: ["--stat", "/dev/fuse", "--stat", "/dev/conformance-fifo", "--stat", "/conformance-null"],
    configure: (spec) => {
      spec.linux!.devices = [
        { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o640, uid: 1000, gid: 1001 },
        { path: "/dev/conformance-fifo", type: "p", fileMode: 0o600 },
        // config-linux.md allows a device path outside /dev.
        { path: "/conformance-null", type: "c", major: 1, minor: 3, fileMode: 0o666 },
      ];
    },
    expect: (r) => {
      const fuse = probeValue(r.stat["/dev/fuse"], "/dev/fuse");
      checkEqual([fuse.type, fuse.major, fuse.minor, fuse.mode.toString(8), fuse.uid, fuse.gid], ["c", 10, 229, "640", 1000, 1001], "/dev/fuse type, numbers, mode, uid, gid");
      const fifo = probeValue(r.stat["/dev/conformance-fifo"], "/dev/conformance-fifo");
      checkEqual([fifo.type, fifo.mode.toString(8)], ["p", "600"], "/dev/conformance-fifo type and mode");
      const outside = probeValue(r.stat["/conformance-null"], "/conformance-null");
      checkEqual([outside.type, outside.major, outside.minor], ["c", 1, 3], "/conformance-null type and numbers");
    },
  }),
  probeTest({
    id: "devices.block-and-fifo-ownership",
    clause: linuxClause("Devices", "block devices and fifos are made with their type, numbers, fileMode, uid and gid too"),
    probeArgs: ["--stat", "/dev/conformance-loop", "--stat", "/dev/owned-fifo"],
    configure: (spec) => {
      spec.linux!.devices = [
        // loop0's numbers (devices.txt): created as a node, never opened.
        { path: "/dev/conformance-loop", type: "b", major: 7, minor: 0, fileMode: 0o660, uid: 0, gid: 6 },
        { path: "/dev/owned-fifo", type: "p", fileMode: 0o640, uid: 1234, gid: 4321 },
      ];
    },
    expect: (r) => {
      const loop = probeValue(r.stat["/dev/conformance-loop"], "/dev/conformance-loop");
      checkEqual([loop.type, loop.major, loop.minor, loop.mode.toString(8), loop.uid, loop.gid], ["b", 7, 0, "660", 0, 6], "/dev/conformance-loop type, numbers, mode, uid, gid");
      const fifo = probeValue(r.stat["/dev/owned-fifo"], "/dev/owned-fifo");
      checkEqual([fifo.type, fifo.mode.toString(8), fifo.uid, fifo.gid], ["p", "640", 1234, 4321], "/dev/owned-fifo type, mode, uid, gid");
    },
  }),
  createFailsTest({
    id: "devices.existing-file-mismatch-errors",
    clause: linuxClause("Devices", "if a file that does not match the requested device already exists at its path, the runtime must generate an error"),
    configure: (spec, bundle) => {
      writeRootfsFile(bundle.rootfs, "etc/not-a-device", "plain file\n");
      spec.linux!.devices = [{ path: "/etc/not-a-device", type: "c", major: 1, minor: 3, fileMode: 0o666 }];
    },
  }),
  probeTest({
    id: "masked-paths",
    clause: linuxClause("Masked Paths", "each masked path, file or directory, is covered so that its contents cannot be read"),
    probeArgs: ["--read", "/etc/secret", "--read", "/proc/kcore", "--list", "/etc/secret-dir", "--read", "/etc/secret-dir/file"],
    configure: (spec, bundle) => {
      writeRootfsFile(bundle.rootfs, "etc/secret", "secret content\n");
      writeRootfsFile(bundle.rootfs, "etc/secret-dir/file", "secret content\n");
      spec.linux!.maskedPaths = ["/etc/secret", "/proc/kcore", "/etc/secret-dir"];
    },
    expect: (r) => {
      checkUnreadable(r, "/etc/secret");
      checkUnreadable(r, "/proc/kcore");
      const listing = r.list["/etc/secret-dir"];
      check(isProbeError(listing) || listing?.length === 0, `the masked directory lists ${JSON.stringify(listing)}`);
      check(isProbeError(r.read["/etc/secret-dir/file"]), "a file in the masked directory is readable");
    },
  }),
  probeTest({
    id: "readonly-paths",
    clause: linuxClause("Readonly Paths", "each readonly path is read-only inside the container"),
    probeArgs: ["--write", "/etc/ro-dir"],
    configure: (spec, bundle) => {
      writeRootfsFile(bundle.rootfs, "etc/ro-dir/file", "x");
      spec.linux!.readonlyPaths = ["/etc/ro-dir", "/proc/sys"];
    },
    expect: (r) => {
      const write = r.write["/etc/ro-dir"];
      check(isProbeError(write) && write.error === "EROFS", `writing in /etc/ro-dir gave ${JSON.stringify(write)}, not EROFS`);
      const mounts = parseMountInfo(probeValue(r.mountinfo, "mountinfo"));
      for (const p of ["/etc/ro-dir", "/proc/sys"]) check(mountAt(mounts, p)?.options.includes("ro") ?? false, `${p} is not a read-only mount`);
    },
  }),
  probeTest({
    id: "sysctl",
    clause: linuxClause("Sysctl", "each sysctl entry is set as the kernel parameter's value in the container"),
    probeArgs: ["--sysctl", "net.ipv4.ip_default_ttl", "--sysctl", "kernel.msgmax"],
    configure: (spec) => (spec.linux!.sysctl = { "net.ipv4.ip_default_ttl": "42", "kernel.msgmax": "12345" }),
    expect: (r) => {
      checkEqual(probeValue(r.sysctl["net.ipv4.ip_default_ttl"], "net.ipv4.ip_default_ttl").trim(), "42", "net.ipv4.ip_default_ttl");
      checkEqual(probeValue(r.sysctl["kernel.msgmax"], "kernel.msgmax").trim(), "12345", "kernel.msgmax");
    },
  }),
];
