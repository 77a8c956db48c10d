// File access for cgroupfs. Every write names the OCI field it serves, so a rejected value
// reads "linux.resources.memory.limit: writing 10 to .../memory.limit_in_bytes: device or
// resource busy" rather than a bare errno.
import * as fs from "node:fs";
import * as path from "node:path";
import { syscallError } from "../linux/errno.js";
import { sleepSync } from "../linux/io.js";
import { trace } from "../log.js";

const debug = trace.extend("cgroups");

export function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

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
    fd = fs.openSync(p, fs.constants.O_WRONLY);
  } catch (e) {
    throw openFailure(field, p, e);
  }
  try {
    fs.writeSync(fd, value);
  } catch (e) {
    throw writeFailure(field, p, value, e);
  } finally {
    fs.closeSync(fd);
  }
}

/** writeCgroupFile on the I/O thread pool, for a write that may block in the kernel. */
export async function writeCgroupFileAsync(dir: string, file: string, value: string, field: string): Promise<void> {
  const p = path.join(dir, file);
  debug("write %s = %s", p, value);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(p, fs.constants.O_WRONLY);
  } catch (e) {
    throw openFailure(field, p, e);
  }
  try {
    await handle.write(value);
  } catch (e) {
    throw writeFailure(field, p, value, e);
  } finally {
    await handle.close();
  }
}

export function readCgroupFile(dir: string, file: string): string {
  return fs.readFileSync(path.join(dir, file), "utf8");
}

/** The file's text, or undefined when the file does not exist (controller or feature absent). */
export function readOptional(dir: string, file: string): string | undefined {
  try {
    return readCgroupFile(dir, file);
  } catch (e) {
    if (errnoOf(e) === "ENOENT" || errnoOf(e) === "ENODEV" || errnoOf(e) === "EOPNOTSUPP") return undefined;
    throw e;
  }
}

export function exists(dir: string, file: string): boolean {
  return fs.existsSync(path.join(dir, file));
}

/** mkdir each missing directory top-down; returns the ones this call created. */
export function mkdirTracked(dirs: string[]): string[] {
  const created: string[] = [];
  for (const d of dirs) {
    try {
      fs.mkdirSync(d);
      created.push(d);
    } catch (e) {
      if (errnoOf(e) !== "EEXIST") throw syscallError(`creating cgroup ${d}`, e);
    }
  }
  return created;
}

/**
 * Removes one cgroup directory and the sub-cgroups inside it (a container with a cgroup
 * namespace may have made some). A cgroup whose last process has only just exited can report
 * EBUSY for a moment: retry with a growing pause for about a second.
 */
export function removeCgroupTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return;
    throw syscallError(`reading cgroup ${dir}`, e);
  }
  for (const ent of entries) if (ent.isDirectory()) removeCgroupTree(path.join(dir, ent.name));
  let pause = 10;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "ENOENT") return;
      if ((code !== "EBUSY" && code !== "ENOTEMPTY") || attempt >= 7) throw syscallError(`removing cgroup ${dir}`, e);
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
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      // Gone since its cgroup.procs was read: systemd removes a transient scope once it empties.
      if (errnoOf(e) === "ENOENT") return;
      throw e;
    }
    for (const ent of entries) if (ent.isDirectory()) walk(path.join(d, ent.name));
  };
  walk(dir);
  return out;
}
