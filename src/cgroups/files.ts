// File access for cgroupfs. Every write names the OCI field it serves, so a rejected value
// reads "linux.resources.memory.limit: writing 10 to .../memory.limit_in_bytes: device or
// resource busy" rather than a bare errno.
// Through libc: node:fs costs a compiled Bun program more start-up than a whole `delete`
// (docs/architecture.md); only the asynchronous write and mkdir take it, on a host where they
// may wait in the kernel (grace-period.ts).
import * as path from "../posix-path.js";
import { EBUSY, ENOENT, ENOTEMPTY, errnoOf, syscallError } from "../linux/errno.js";
import { listDirThroughLibc, makeDirectoryChain, readFileThroughLibc, readTextThroughLibc, sleepSync, type DirEntry } from "../linux/io.js";
import * as libc from "../linux/libc.js";
import { trace } from "../log.js";
import { cgroupMovesWait } from "./grace-period.js";

const debug = trace.extend("cgroups");

const openFailure = (field: string, p: string, e: unknown) => syscallError(`${field}: opening ${p}`, e);
const writeFailure = (field: string, p: string, value: string, e: unknown) => syscallError(`${field}: writing ${JSON.stringify(value)} to ${p}`, e);

/**
 * One write() of `value` to dir/file (cgroup files parse each write separately). Opened without
 * O_CREAT: cgroupfs cannot create files, and a missing file must read as "no such file".
 */
export function writeCgroupFile(dir: string, file: string, value: string, field: string): void {
  const p = path.join(dir, file);
  debug("write %s = %s", p, value);
  let fd: number;
  try {
    fd = libc.open(p, libc.O_WRONLY);
  } catch (e) {
    throw openFailure(field, p, e);
  }
  try {
    libc.write(fd, Buffer.from(value));
  } catch (e) {
    throw writeFailure(field, p, value, e);
  } finally {
    libc.close(fd);
  }
}

/**
 * writeCgroupFile on the I/O thread pool, for a write that may block in the kernel: one task
 * (open without O_CREAT, write, close). fs's callback form, here and in mkdirTracked: in
 * dist/skiff the first use of fs.promises costs more than the call (docs/architecture.md).
 * Where the kernel does not make such writes wait (`onPool` false), written here, and node:fs is
 * never loaded.
 */
export async function writeCgroupFileAsync(dir: string, file: string, value: string, field: string, onPool = cgroupMovesWait()): Promise<void> {
  if (!onPool) return writeCgroupFile(dir, file, value, field);
  const p = path.join(dir, file);
  debug("write %s = %s", p, value);
  const fs = process.getBuiltinModule("node:fs");
  // Open flags as a number (writeFile passes them to open as they are; its typings want a string).
  const flag = fs.constants.O_WRONLY as unknown as string;
  return new Promise((resolve, reject) =>
    fs.writeFile(p, value, { flag }, (e) => {
      if (!e) resolve();
      else reject(e.syscall === "open" ? openFailure(field, p, e) : writeFailure(field, p, value, e));
    }),
  );
}

export function readCgroupFile(dir: string, file: string): string {
  return readFileThroughLibc(path.join(dir, file));
}

/** The file's text, or undefined when the file does not exist (controller or feature absent). */
export function readOptional(dir: string, file: string): string | undefined {
  return readTextThroughLibc(path.join(dir, file));
}

export function exists(dir: string, file: string): boolean {
  return libc.exists(path.join(dir, file));
}

/**
 * Makes the missing ones of `dirs` (a chain, parents first) as `mkdir -p` does. Where the kernel
 * may make it wait (`onPool`, grace-period.ts), in one task on the I/O thread pool: a cgroup
 * mkdir waits for the kernel's cgroup mutex, which a cgroup move holds through an RCU grace
 * period, and one task per level would also wait for the main thread to issue the next. Each
 * directory this call made is added to `created` before it settles.
 */
export async function mkdirTracked(dirs: string[], created: string[], onPool = cgroupMovesWait()): Promise<void> {
  const leaf = dirs[dirs.length - 1];
  if (!onPool) {
    makeDirectoryChain(leaf, 0o755, created, "creating cgroup");
    return;
  }
  const fs = process.getBuiltinModule("node:fs");
  const missing = dirs.filter((d) => !libc.exists(d));
  try {
    // mkdir -p returns the first directory it made; every one below it was made by it too.
    const first = await new Promise<string | undefined>((resolve, reject) => fs.mkdir(leaf, { recursive: true }, (e, made) => (e ? reject(e) : resolve(made))));
    const at = first === undefined ? dirs.length : dirs.indexOf(first);
    created.push(...(at >= 0 ? dirs.slice(at) : missing));
  } catch (e) {
    // Failed part-way: the levels that were missing and exist now are this call's.
    created.push(...missing.filter((d) => libc.exists(d)));
    throw syscallError(`creating cgroup ${(e as NodeJS.ErrnoException).path ?? leaf}`, e);
  }
}

/** Waits for every one of promises, then throws the first failure: nothing is left in flight. */
export async function allSettledOrThrow(promises: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** The sub-cgroups of dir; none when dir is gone (systemd removes a transient scope once it empties). */
function subCgroups(dir: string): string[] {
  let entries: DirEntry[];
  try {
    entries = listDirThroughLibc(dir);
  } catch (e) {
    if (errnoOf(e) === ENOENT) return [];
    throw syscallError(`reading cgroup ${dir}`, e);
  }
  return entries.filter((ent) => ent.directory).map((ent) => path.join(dir, ent.name));
}

/**
 * Removes one cgroup directory and the sub-cgroups inside it (a container with a cgroup
 * namespace may have made some). rmdir goes first: a cgroup refuses it (EBUSY) while it has
 * sub-cgroups, and most have none, so most are never listed. A cgroup whose last process has
 * only just exited can report EBUSY for a moment: retry with a growing pause for about a second.
 */
export function removeCgroupTree(dir: string): void {
  let pause = 10;
  for (let attempt = 0; ; attempt++) {
    try {
      libc.rmdir(dir);
      return;
    } catch (e) {
      const errno = errnoOf(e);
      if (errno === ENOENT) return;
      if ((errno !== EBUSY && errno !== ENOTEMPTY) || attempt >= 7) throw syscallError(`removing cgroup ${dir}`, e);
      const subs = subCgroups(dir);
      if (subs.length > 0) {
        subs.forEach(removeCgroupTree);
        continue;
      }
      sleepSync(pause);
      pause *= 2;
    }
  }
}

/** Every pid in dir/cgroup.procs and in its sub-cgroups. */
export function pidsUnder(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string) => {
    const procs = readOptional(d, "cgroup.procs");
    if (procs === undefined) return;
    for (const line of procs.split("\n")) if (line !== "") out.push(Number(line));
    for (const sub of subCgroups(d)) walk(sub);
  };
  walk(dir);
  return out;
}
