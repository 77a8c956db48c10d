// The state directory: <root>/<id>/ holds state.json (written atomically), exec.fifo while the
// container waits for `start`, and nothing else. mkdir of the directory is the create lock.
import * as fs from "node:fs";
import * as path from "node:path";
import { SkiffError } from "../errors.js";
import type { SavedCgroups } from "../cgroups/index.js";
import type { Spec } from "../spec/types.js";

export const DEFAULT_ROOT = "/run/skiff";
export const EXEC_FIFO = "exec.fifo";
const STATE_FILE = "state.json";

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
  config: Spec;
}

const ID_PATTERN = /^[\w+\-.]+$/;

export function validateId(id: string): void {
  if (!id) throw new SkiffError("InvalidArgument", "container id cannot be empty");
  if (!ID_PATTERN.test(id) || id === "." || id === "..") throw new SkiffError("InvalidArgument", `invalid container id format: ${id}`);
}

export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return path.join(this.root, id);
  }

  fifo(id: string): string {
    return path.join(this.dir(id), EXEC_FIFO);
  }

  /** Atomically claims the id: exactly one concurrent create wins. */
  claim(id: string): string {
    validateId(id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    const dir = this.dir(id);
    try {
      fs.mkdirSync(dir, { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new SkiffError("AlreadyExists", `container with id exists: ${id}`);
      throw e;
    }
    // mkdir's mode is filtered by umask; the init (maybe not root) must search the directory.
    fs.chmodSync(dir, 0o711);
    return dir;
  }

  exists(id: string): boolean {
    validateId(id);
    return fs.existsSync(path.join(this.dir(id), STATE_FILE));
  }

  load(id: string): ContainerRecord {
    validateId(id);
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir(id), STATE_FILE), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new SkiffError("NotFound", `container ${id} does not exist`);
      throw e;
    }
    return JSON.parse(text) as ContainerRecord;
  }

  save(record: ContainerRecord): void {
    const file = path.join(this.dir(record.id), STATE_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(record));
    fs.renameSync(tmp, file);
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  list(): string[] {
    try {
      return fs
        .readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(this.root, d.name, STATE_FILE)))
        .map((d) => d.name)
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }
}

/** Writes a pid file the way containerd reads it: bare digits, no newline, atomically. */
export function writePidFile(file: string, pid: number): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}`);
  fs.writeFileSync(tmp, String(pid));
  fs.renameSync(tmp, abs);
}
