// The least a `state` written for Bun can cost: one module, libc bound through Bun's native FFI
// (the cheapest file reads a compiled Bun program has: docs/architecture.md), and only what a state
// must do: read the record, check that its init is still the process it started, look at
// exec.fifo and the freezer, print the OCI state. No command line, no validation, no errors
// worth the name. scripts/bench.sh compiles it as it does a hello world, and the bench times it
// against runc's `state` of a created container: the ratio no JavaScript `state` can beat here.
// Usage: floor-state ROOT ID (a container skiff created in ROOT).
import type { ContainerRecord } from "../src/container/state-store.js"; // types only: nothing more is loaded
import { FFI_TYPE } from "../src/platform/ffi-bun.js";

// Bun.FFI, not the bun:ffi module (which costs a compiled program more to load), as skiff does.
const { dlopen } = (Bun as unknown as { FFI: typeof import("bun:ffi") }).FFI;
const { i32, i64, ptr } = FFI_TYPE;
const libc = dlopen("libc.so.6", {
  open: { args: [ptr, i32], returns: i32 },
  read: { args: [i32, ptr, i64], returns: i64 },
  close: { args: [i32], returns: i32 },
  access: { args: [ptr, i32], returns: i32 },
}).symbols;

const O_CLOEXEC = 0o2000000;
const buffer = new Uint8Array(1 << 16);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const cString = (s: string) => encoder.encode(`${s}\0`);

/** The file's text, or undefined if it cannot be opened. */
function readText(file: string): string | undefined {
  const fd = Number(libc.open(cString(file), O_CLOEXEC));
  if (fd < 0) return undefined;
  let length = 0;
  for (let n; (n = Number(libc.read(fd, buffer.subarray(length), buffer.length - length))) > 0; ) length += n;
  libc.close(fd);
  return decoder.decode(buffer.subarray(0, length));
}

const [root, id] = process.argv.slice(2);
const dir = `${root}/${id}`;
const record = JSON.parse(readText(`${dir}/state.json`)!) as ContainerRecord;
const stat = readText(`/proc/${record.pid}/stat`);
const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ") ?? [];
let status = "stopped";
// the same process (a reused pid starts later), and not a zombie
if (fields[19] === record.initStartTime && fields[0] !== "Z" && fields[0] !== "X") {
  const [freezeFile, frozen] = record.cgroups.mode === "v2" ? [`${record.cgroups.paths[""]}/cgroup.freeze`, "1"] : [`${record.cgroups.paths.freezer}/freezer.state`, "FROZEN"];
  if (readText(freezeFile)?.trim() === frozen) status = "paused";
  // access, not open: opening exec.fifo for reading would start the container.
  else status = Number(libc.access(cString(`${dir}/exec.fifo`), 0)) === 0 ? "created" : "running";
}
const { ociVersion, bundle, rootfs, created, owner } = record;
console.log(JSON.stringify({ ociVersion, id, pid: status === "stopped" ? 0 : record.pid, status, bundle, rootfs, created, owner }, null, 2));
