// The state directory: <root>/<id>/ holds state.json (written atomically), exec.fifo while the
// container waits for `start`, and nothing else. mkdir of the directory is the create lock.
// Records are read through the platform and written through libc: no command loads node:fs for
// them (docs/architecture.md).
import { isSkiffError, SkiffError } from "../errors.js";
import { ownIdentity } from "../host/identity.js";
import { EEXIST, ENOENT, errnoOf, syscallError } from "../linux/errno.js";
import { makeDirectoryChain, removeTreeThroughLibc, replaceFileThroughLibc } from "../linux/io.js";
import { chmod, close, flock, LOCK_EX, mkdir, O_RDONLY, open } from "../linux/libc.js";
import { mark } from "../marks.js";
import { platform } from "../platform/index.js";
import { resolve } from "../posix-path.js";
import type { SavedCgroups } from "../cgroups/index.js";
import type { ValidSpec } from "../spec/types.js";

export const EXEC_FIFO = "exec.fifo";
const STATE_FILE = "state.json";
/**
 * The record written once, before create makes anything (it carries `creating`). Until
 * state.json exists it is the container's record; afterwards it is what `delete --force` falls
 * back on when state.json is unreadable: either way the cgroups to empty and remove are known.
 */
const CREATING_FILE = "creating.json";

/** What skiff records about a container; the OCI state is derived from it. */
export interface ContainerRecord {
  ociVersion: string;
  id: string;
  pid: number;
  /** /proc/PID/stat field 22 of the init, to recognise a reused pid */
  initStartTime: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
  cgroups: SavedCgroups;
  /** The config as validated at create: exec, hooks and update read it later. */
  config: ValidSpec;
  /**
   * The `skiff create` making this container (pid and start time): only in creating.json. When
   * that process is gone and there is no state.json, the create died half-way.
   */
  creating?: { pid: number; startTime: string };
}

/** runc's rule for ids: letters, digits, `_`, `+`, `-` and `.` (a loop, not a RegExp: a command's first RegExp costs it ~0.3 ms). */
function isIdCharacter(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 43 || c === 45 || c === 46;
}

export function validateId(id: string): void {
  if (!id) throw new SkiffError("InvalidArgument", "container id cannot be empty");
  let valid = true;
  for (let i = 0; i < id.length; i++) valid &&= isIdCharacter(id.charCodeAt(i));
  if (!valid || id === "." || id === "..") throw new SkiffError("InvalidArgument", `invalid container id format: ${id}`);
}

/**
 * Why parsed JSON cannot serve as a record, or undefined: the fields every command reads. Another
 * runtime's state.json (runc's, under a shared --root) or a damaged one parses, then would fail
 * deep inside a command with a TypeError.
 */
function recordProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return "not an object";
  const record = value as { [K in keyof ContainerRecord]?: unknown };
  const expected = { id: "string", pid: "number", initStartTime: "string", bundle: "string", cgroups: "object", config: "object" } as const;
  for (const [field, type] of Object.entries(expected) as [keyof typeof expected, string][]) {
    if (typeof record[field] !== type || record[field] === null) return `no ${field}`;
  }
  const cgroups = record.cgroups as { [K in keyof SavedCgroups]?: unknown };
  if (typeof cgroups.mode !== "string" || typeof cgroups.paths !== "object" || cgroups.paths === null) return "no cgroups.mode or cgroups.paths";
  return undefined;
}

export class StateStore {
  /** root without its trailing slashes, to join ids to */
  private readonly prefix: string;

  constructor(readonly root: string) {
    let end = root.length;
    while (end > 0 && root[end - 1] === "/") end--;
    this.prefix = root.slice(0, end);
  }

  dir(id: string): string {
    return `${this.prefix}/${id}`;
  }

  fifo(id: string): string {
    return `${this.dir(id)}/${EXEC_FIFO}`;
  }

  /** Atomically claims the id: exactly one concurrent create wins. */
  claim(id: string): string {
    validateId(id);
    const dir = this.dir(id);
    try {
      // A rootless user's state stays its own (runc: 0700); root's lets a non-root init reach exec.fifo.
      makeDirectoryChain(this.root, ownIdentity().euid === 0 ? 0o711 : 0o700);
      mkdir(dir, 0o711);
    } catch (e) {
      if (errnoOf(e) === EEXIST) throw new SkiffError("AlreadyExists", `container with id exists: ${id}`);
      throw syscallError(`creating the state directory ${dir}`, e);
    }
    // mkdir's mode is filtered by umask; the init (maybe not root) must search the directory.
    chmod(dir, 0o711);
    return dir;
  }

  /**
   * Runs fn holding an exclusive lock on the container's directory, so commands that read,
   * change and save its record (update, delete) never interleave and lose a change.
   * Without a directory there is nothing to guard: `absent` runs instead (by default fn, which
   * then finds no container).
   */
  async withLock<T>(id: string, fn: () => Promise<T>, absent: () => Promise<T> = fn): Promise<T> {
    if (!(await this.hasDirectory(id))) return absent();
    let fd: number;
    try {
      fd = open(this.dir(id), O_RDONLY); // through libc, as flock is: no node:fs for a lock
    } catch (e) {
      if (isSkiffError(e) && e.errno === ENOENT) return absent();
      throw syscallError(`opening the state of container ${id}`, e);
    }
    try {
      flock(fd, LOCK_EX);
      return await fn();
    } finally {
      close(fd);
    }
  }

  /**
   * Whether the id has a state directory, asked without node:fs or libc: containerd deletes
   * every container twice, and the second delete finds none.
   */
  async hasDirectory(id: string): Promise<boolean> {
    validateId(id);
    const dir = this.dir(id);
    // A record answers first: in dist/skiff a file's existence costs ~0.01 ms, a directory's a
    // stat on Bun's I/O thread (~0.5 ms; docs/architecture.md).
    const p = platform();
    return (await p.fileExists(`${dir}/${STATE_FILE}`)) || (await p.fileExists(`${dir}/${CREATING_FILE}`)) || p.exists(dir);
  }

  /** state.json, or while there is none (a create under way or killed), creating.json. */
  async load(id: string): Promise<ContainerRecord> {
    validateId(id);
    return (await this.read(id, STATE_FILE)) ?? this.loadCreating(id);
  }

  /** The record create wrote before it made anything. */
  async loadCreating(id: string): Promise<ContainerRecord> {
    validateId(id);
    const rec = await this.read(id, CREATING_FILE);
    if (!rec) throw new SkiffError("NotFound", `container ${id} does not exist`);
    return rec;
  }

  private async read(id: string, name: string): Promise<ContainerRecord | undefined> {
    let text: string | undefined;
    try {
      text = await platform().readText(`${this.dir(id)}/${name}`);
    } catch (e) {
      throw syscallError(`reading the state of container ${id}`, e);
    }
    if (text === undefined) return undefined;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (e) {
      throw new SkiffError("InvalidState", `container ${id}: ${name} is corrupt: ${(e as Error).message}`);
    }
    const problem = recordProblem(record);
    if (problem) throw new SkiffError("InvalidState", `container ${id}: ${name} is corrupt: not a record skiff wrote (${problem})`);
    mark("container record read");
    return record as ContainerRecord;
  }

  save(record: ContainerRecord): void {
    this.write(record, STATE_FILE);
  }

  saveCreating(record: ContainerRecord & Required<Pick<ContainerRecord, "creating">>): void {
    this.write(record, CREATING_FILE);
  }

  /**
   * Atomic: a reader sees the old record or the new one, never a torn file. Not fsynced (neither
   * runc nor crun does): a record describes processes that do not outlive a crash of the host,
   * and /run is a tmpfs; the fsyncs' cost is in docs/architecture.md.
   */
  private write(record: ContainerRecord, name: string): void {
    try {
      replaceFileThroughLibc(`${this.dir(record.id)}/${name}`, JSON.stringify(record), 0o600);
    } catch (e) {
      throw syscallError(`writing the state of container ${record.id} in ${this.root}`, e);
    }
  }

  /** Removes the state directory, if there is one; through libc: a delete loads no node:fs. */
  async remove(id: string): Promise<void> {
    validateId(id);
    removeTreeThroughLibc(this.dir(id));
  }

  /** The names under the root, sorted: containers, and whatever else is there (load tells). */
  async names(): Promise<string[]> {
    return (await platform().listDir(this.root)).sort();
  }
}

/** Writes a pid file the way containerd reads it: bare digits, no newline, atomically. */
export function writePidFile(file: string, pid: number): void {
  const abs = resolve(file);
  try {
    replaceFileThroughLibc(abs, String(pid), 0o666);
  } catch (e) {
    throw syscallError(`writing the pid file ${abs}`, e);
  }
}
