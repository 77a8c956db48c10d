// Blocking reads, writes and sleeps for a short-lived CLI: no event loop work waits on them.
import { isSkiffError } from "../errors.js";
import { isAbsent, isAbsentErrno } from "../platform/index.js";
import { EAGAIN, EEXIST, EISDIR, ENOENT } from "./errno.js";
import { close, getdents64, mkdirOrErrno, O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_RDONLY, O_TRUNC, O_WRONLY, open, openCreating, openOrErrno, read, rename, rmdir, syscallFailure, unlinkOrErrno, write } from "./libc.js";

// Made on first use: a SharedArrayBuffer costs a compiled command ~0.3 ms, and every command
// loads this module to read its files (docs/architecture.md).
let sleepCell: Int32Array | undefined;

/** Blocks the thread for ms milliseconds. */
export function sleepSync(ms: number): void {
  Atomics.wait((sleepCell ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);
}

/**
 * A file's whole text read through libc. The compiled dist/skiff reads so: the first Bun.file
 * read starts Bun's I/O thread and waits for it, which costs more than binding libc, and node:fs
 * costs more to load than a whole `delete` does (docs/architecture.md).
 */
export function readFileThroughLibc(path: string): string {
  const fd = open(path, O_RDONLY);
  try {
    return readToEnd(fd);
  } finally {
    close(fd);
  }
}

/**
 * Everything fd gives until end of file, as UTF-8 text. One buffer, grown when full, and no
 * Buffer.from or Buffer.concat: their first use costs a compiled command ~0.6 ms
 * (docs/architecture.md).
 */
export function readToEnd(fd: number): string {
  let buf = Buffer.allocUnsafe(65536);
  let size = 0;
  for (let n; (n = read(fd, buf.subarray(size))) > 0; ) {
    size += n;
    if (size === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
  }
  return buf.toString("utf8", 0, size);
}

/**
 * readFileThroughLibc, or undefined when there is no such file; that answer builds no Error
 * (openOrErrno).
 */
export function readTextThroughLibc(path: string): string | undefined {
  const fd = openOrErrno(path, O_RDONLY);
  if (fd < 0) {
    if (isAbsentErrno(-fd)) return undefined;
    throw syscallFailure(`open ${path}`, -fd);
  }
  try {
    return readToEnd(fd);
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw e;
  } finally {
    close(fd);
  }
}

export interface DirEntry {
  name: string;
  directory: boolean;
}

const DT_UNKNOWN = 0, DT_DIR = 4;
// One buffer for every listing: each is read whole before it returns.
let direntBuffer: Buffer | undefined;

/** A directory's entries but . and .., from getdents64(2); throws as open(2) does (ENOENT). */
export function listDirThroughLibc(dir: string): DirEntry[] {
  const fd = open(dir, O_RDONLY | O_DIRECTORY);
  const out: DirEntry[] = [];
  try {
    const buf = (direntBuffer ??= Buffer.allocUnsafe(32768));
    for (let n; (n = getdents64(fd, buf)) > 0; ) {
      // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[]
      for (let off = 0; off < n; off += buf.readUInt16LE(off + 16)) {
        const nameEnd = buf.indexOf(0, off + 19);
        const name = buf.toString("utf8", off + 19, nameEnd);
        if (name === "." || name === "..") continue;
        const type = buf[off + 18];
        out.push({ name, directory: type === DT_DIR || (type === DT_UNKNOWN && isDirectory(`${dir}/${name}`)) });
      }
    }
  } finally {
    close(fd);
  }
  return out;
}

/**
 * Whether path is a directory; a symlink is followed only when asked. Listings ask it of entries
 * whose file system leaves d_type unset (cgroupfs, tmpfs, ext4 and xfs all set it). O_PATH opens
 * nothing for reading (no read permission needed, a FIFO never blocks), and O_DIRECTORY fails at
 * once on anything but a directory.
 */
export function isDirectory(path: string, { followSymlink = false } = {}): boolean {
  const fd = openOrErrno(path, O_PATH | O_DIRECTORY | (followSymlink ? 0 : O_NOFOLLOW));
  if (fd < 0) return false;
  close(fd);
  return true;
}

/**
 * rm -rf: path and everything under it; nothing there is fine. unlink(2) goes first: it removes
 * a file or a symlink (never followed) and refuses only a directory, which is then emptied.
 */
export function removeTreeThroughLibc(path: string): void {
  const unlinked = unlinkOrErrno(path);
  if (unlinked === 0 || unlinked === -ENOENT) return;
  if (unlinked !== -EISDIR) throw syscallFailure(`unlink ${path}`, -unlinked);
  for (const ent of listDirThroughLibc(path)) removeTreeThroughLibc(`${path}/${ent.name}`);
  try {
    rmdir(path);
  } catch (e) {
    if (!isSkiffError(e) || e.errno !== ENOENT) throw e;
  }
}

/** Writes all of data to fd, through short writes and, on a non-blocking fd, EAGAIN. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += write(fd, bytes.subarray(offset));
    } catch (e) {
      if (!isSkiffError(e) || e.errno !== EAGAIN) throw e;
      sleepSync(1); // full: wait for the reader
    }
  }
}

/**
 * mkdir -p through libc: every missing directory of path, parents first, made with mode (less
 * the umask) and added to `made` as it is made, so that a failure part-way still says which. A
 * failure is "<what> <the directory that failed>: <errno>".
 */
export function makeDirectoryChain(path: string, mode: number, made: string[] = [], what = "mkdir"): string[] {
  let r = mkdirOrErrno(path, mode);
  const slash = path.lastIndexOf("/");
  if (-r === ENOENT && slash > 0) {
    makeDirectoryChain(path.slice(0, slash), mode, made, what);
    // Once: where the parent is there and the kernel still says ENOENT (procfs, sysfs, a parent
    // removed meanwhile), asking again would never end.
    r = mkdirOrErrno(path, mode);
  }
  if (r === 0) made.push(path);
  else if (-r !== EEXIST) throw syscallFailure(`${what} ${path}`, -r);
  return made;
}

/** data as the whole of a file (or, with `append`, at its end), made (with mode, less the umask) if missing. */
export function writeFileThroughLibc(path: string, data: string, mode = 0o644, { append = false } = {}): void {
  const fd = openCreating(path, O_WRONLY | (append ? O_APPEND : O_TRUNC), mode);
  try {
    writeAll(fd, data); // a full filesystem writes short before it fails
  } finally {
    close(fd);
  }
}

/**
 * Atomic: a reader of path sees the old content or the new, never a torn file (written beside
 * it, then renamed over it). The temporary file goes on failure.
 */
export function replaceFileThroughLibc(path: string, data: string, mode: number): void {
  const slash = path.lastIndexOf("/");
  const tmp = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${process.pid}.tmp`;
  try {
    writeFileThroughLibc(tmp, data, mode);
    rename(tmp, path);
  } catch (e) {
    unlinkOrErrno(tmp);
    throw e;
  }
}
