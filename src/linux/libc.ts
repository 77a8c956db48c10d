// The few libc calls Node has no API for, through the platform's FFI. Each failure becomes a
// SkiffError of kind Syscall carrying errno, so callers can branch on it and messages name the call.
import { SkiffError } from "../errors.js";
import type { ArgType, ArgValue } from "../platform/ffi.js";
import { platform } from "../platform/index.js";
import { EINTR, errnoName } from "./errno.js";

/** Calls a libc function (or one of `library`) returning int; throws on -1 with the errno. */
export function sys(funcName: string, types: ArgType[], values: ArgValue[], what?: string, ret: "i32" | "i64" = "i32", library?: string): number {
  const r = platform().ffi().call(funcName, ret, types, values, library);
  if (r.value === -1) throw syscallFailure(what ?? funcName, r.errno);
  return r.value;
}

/** Syscalls without a libc wrapper; numbered alike on every architecture since Linux 5.1. */
export const SYS = { pidfd_open: 434, pidfd_send_signal: 424 } as const;

export function syscall(nr: number, args: number[], what: string): number {
  return sys("syscall", ["i64", ...args.map((): ArgType => "i64")], [nr, ...args], what, "i64");
}

export function mkfifo(path: string, mode: number): void {
  sys("mkfifo", ["string", "i32"], [path, mode], `mkfifo ${path}`);
}

/** socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC): [ours, theirs]. */
export function socketpair(): [number, number] {
  const fds = Buffer.alloc(8);
  sys("socketpair", ["i32", "i32", "i32", "buffer"], [1, 1 | 0o2000000, 0, fds], "socketpair");
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}

export const MFD_CLOEXEC = 1;
export const MFD_ALLOW_SEALING = 2;

export function memfdCreate(name: string, flags: number): number {
  return sys("memfd_create", ["string", "i32"], [name, flags], "memfd_create");
}

export const F_ADD_SEALS = 1033;
export const F_DUPFD_CLOEXEC = 1030;
export const F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;

export function fcntl(fd: number, cmd: number, arg: number): number {
  return sys("fcntl", ["i32", "i32", "i32"], [fd, cmd, arg], "fcntl");
}

export const LOCK_EX = 2;

/** flock(2); blocks until the lock is granted. */
export function flock(fd: number, operation: number): void {
  sys("flock", ["i32", "i32"], [fd, operation], "flock");
}

export const PR_SET_CHILD_SUBREAPER = 36;

export function prctl(option: number, arg2: number): number {
  return sys("prctl", ["i32", "i64", "i64", "i64", "i64"], [option, arg2, 0, 0, 0], "prctl");
}

// File calls for the commands that otherwise use only libc (`kill`, `start`, `delete`): node:fs
// would cost them more start-up than all the rest of their work (docs/architecture.md).

export const O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0o100, O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NONBLOCK = 0o4000, O_DIRECTORY = 0o200000, O_NOFOLLOW = 0o400000, O_CLOEXEC = 0o2000000, O_PATH = 0o10000000;

export function open(path: string, flags: number): number {
  return sys("open", ["string", "i32"], [path, flags | O_CLOEXEC], `open ${path}`);
}

/** open(2) that may create the file, with mode (less the umask) if it does. */
export function openCreating(path: string, flags: number, mode: number): number {
  return sys("open", ["string", "i32", "i32"], [path, flags | O_CREAT | O_CLOEXEC, mode], `open ${path}`);
}

/**
 * A call where failing is an answer, not an error: its value, or minus the errno. No Error is
 * built for it: a command's first one costs ~0.25 ms (docs/architecture.md).
 */
function sysOrErrno(funcName: string, types: ArgType[], values: ArgValue[]): number {
  const r = platform().ffi().call(funcName, "i32", types, values);
  return r.value === -1 ? -r.errno : r.value;
}

/** open(2): the descriptor, or minus the errno (sysOrErrno). */
export function openOrErrno(path: string, flags: number): number {
  return sysOrErrno("open", ["string", "i32"], [path, flags | O_CLOEXEC]);
}

/** unlink(2): 0, or minus the errno (sysOrErrno). */
export function unlinkOrErrno(path: string): number {
  return sysOrErrno("unlink", ["string"], [path]);
}

/** The error sys would have thrown for a call that failed with errno. */
export function syscallFailure(what: string, errno: number): SkiffError {
  return new SkiffError("Syscall", `${what}: ${errnoName(errno)}`, errno);
}

/** call(), again while a signal interrupts it (EINTR): the engine's handlers may not restart it. */
export function retryingEintr(call: () => number): number {
  for (;;) {
    try {
      return call();
    } catch (e) {
      if (!(e instanceof SkiffError && e.errno === EINTR)) throw e;
    }
  }
}

/** read(2) into buf; the count read, 0 at end of file. */
export function read(fd: number, buf: Buffer): number {
  return retryingEintr(() => sys("read", ["i32", "buffer", "i64"], [fd, buf, buf.length], "read", "i64"));
}

/** write(2) of buf; the count written. */
export function write(fd: number, buf: Buffer): number {
  return sys("write", ["i32", "buffer", "i64"], [fd, buf, buf.length], "write", "i64");
}

export function close(fd: number): void {
  sys("close", ["i32"], [fd], "close");
}

export function unlink(path: string): void {
  sys("unlink", ["string"], [path], `unlink ${path}`);
}

export function mkdir(path: string, mode: number): void {
  sys("mkdir", ["string", "i32"], [path, mode], `mkdir ${path}`);
}

/** mkdir(2): 0, or minus the errno (sysOrErrno): an existing directory is an answer to mkdir -p. */
export function mkdirOrErrno(path: string, mode: number): number {
  return sysOrErrno("mkdir", ["string", "i32"], [path, mode]);
}

export function chmod(path: string, mode: number): void {
  sys("chmod", ["string", "i32"], [path, mode], `chmod ${path}`);
}

export function rename(from: string, to: string): void {
  sys("rename", ["string", "string"], [from, to], `rename ${from} to ${to}`);
}

/** readlink(2): where the link points (a namespace file's reads "mnt:[4026531841]"). */
export function readlink(path: string): string {
  const buf = Buffer.allocUnsafe(4096);
  const n = sys("readlink", ["string", "buffer", "i64"], [path, buf, buf.length], `readlink ${path}`, "i64");
  return buf.toString("utf8", 0, n);
}

export function rmdir(path: string): void {
  sys("rmdir", ["string"], [path], `rmdir ${path}`);
}

/** chown(2); -1 leaves that id as it is. */
export function chown(path: string, uid: number, gid: number): void {
  sys("chown", ["string", "i32", "i32"], [path, uid, gid], `chown ${path}`);
}

/** access(2) with F_OK: whether path resolves (symlinks followed), as existsSync says. */
export function exists(path: string): boolean {
  // "no" is common (a gone exec.fifo, in every `state` of a running container): sysOrErrno.
  return sysOrErrno("access", ["string", "i32"], [path, 0]) === 0;
}

/** getdents64(2) into buf (linux_dirent64 records); the bytes filled, 0 at the end. */
export function getdents64(fd: number, buf: Buffer): number {
  return sys("getdents64", ["i32", "buffer", "i64"], [fd, buf, buf.length], "getdents64", "i64");
}

/** Signals a process through a pidfd so a recycled pid can never be hit. */
export function pidfdOpen(pid: number): number {
  return syscall(SYS.pidfd_open, [pid, 0], `pidfd_open ${pid}`);
}

export function pidfdSendSignal(pidfd: number, signal: number): void {
  syscall(SYS.pidfd_send_signal, [pidfd, signal, 0, 0], "pidfd_send_signal");
}

/** A connected AF_UNIX stream socket (--console-socket, a D-Bus bus); blocking, close-on-exec. */
export function connectUnix(path: string, what = "console socket"): number {
  if (Buffer.byteLength(path) >= 108) throw new SkiffError("InvalidArgument", `${what} path too long: ${path}`);
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(1, 0);
  addr.write(path, 2);
  const fd = sys("socket", ["i32", "i32", "i32"], [1, 1 | 0o2000000, 0], "socket");
  try {
    sys("connect", ["i32", "buffer", "i32"], [fd, addr, 110], `connect to ${what} ${path}`);
  } catch (e) {
    sys("close", ["i32"], [fd]);
    throw e;
  }
  return fd;
}

export const POLLIN = 1;

/** poll(2) on fds for POLLIN; returns the revents of each. timeout -1 waits forever. */
export function pollIn(fds: number[], timeoutMs: number): number[] {
  const buf = Buffer.alloc(8 * fds.length);
  fds.forEach((fd, i) => {
    buf.writeInt32LE(fd, i * 8);
    buf.writeInt16LE(POLLIN, i * 8 + 4);
  });
  retryingEintr(() => sys("poll", ["buffer", "i64", "i32"], [buf, fds.length, timeoutMs], "poll"));
  return fds.map((_, i) => buf.readInt16LE(i * 8 + 6));
}

/** sched_setaffinity(2) of another process; mask is a cpu_set_t (one bit per CPU). */
export function schedSetaffinity(pid: number, mask: Buffer): void {
  sys("sched_setaffinity", ["i32", "i64", "buffer"], [pid, mask.length, mask], `sched_setaffinity ${pid}`);
}
