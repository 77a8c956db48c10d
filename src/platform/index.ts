// The one seam between the two JavaScript engines skiff runs on (docs/architecture.md): how the
// skiff-init binary is found, how it is started, how libc is called, how the read-only commands
// read files and print, and how seccomp profiles are hashed (Bun's native APIs cost a compiled
// skiff far less start-up than node:fs and node:crypto, which `state`, `list` and `kill` then
// never load). The entry point sets it:
// main-bun.ts (dist/skiff: skiff-init embedded, Bun.spawn, bun:ffi) or main-node.ts / the test
// setup (node.ts: native/build/skiff-init, child_process, ffi-rs).
import { isSkiffError } from "../errors.js";
import type { Ffi } from "./ffi.js";

/** A started process: skiff-init's helper. */
export interface Spawned {
  pid: number;
  /** settles once it has exited and been reaped */
  exited: Promise<void>;
  kill(signal: "SIGKILL"): void;
}

/** Starts file with an empty environment; the child's fd i is stdio[i]. */
export type Spawn = (file: string, args: string[], options: { argv0: string; stdio: number[] }) => Spawned;

export interface Platform {
  initBinary(): Promise<Uint8Array>;
  spawn: Spawn;
  ffi(): Ffi;
  /** A file's text; undefined when there is no such file (any of ABSENT). */
  readText(file: string): Promise<string | undefined>;
  /** Whether anything exists at path; never opens it (it may be a FIFO). */
  exists(file: string): Promise<boolean>;
  /** Whether something other than a directory exists at path (in dist/skiff: no stat, ~0.01 ms). */
  fileExists(file: string): Promise<boolean>;
  /** The names in a directory, dot-files included; none when it does not exist. */
  listDir(dir: string): Promise<string[]>;
  /**
   * Writes whole lines on fd 1 or 2 before returning (a missing final newline is added); a reader
   * that went away (EPIPE, e.g. `skiff list | head`) ends it quietly.
   */
  print(fd: 1 | 2, text: string): void;
  /** SHA-256 of text, in hex (node:crypto costs a compiled Bun program ~2.5 ms to load). */
  sha256Hex(text: string): string;
}

/**
 * The errors that mean "no such file" to readText: missing, a path through a non-directory, or a
 * kernel file whose feature is off (a cgroup controller's file on a kernel without it).
 */
const ABSENT: Record<string, number> = { ENOENT: 2, ENODEV: 19, ENOTDIR: 20, EOPNOTSUPP: 95 };

/** e is one of ABSENT: a Node or Bun error by its code, or a failed libc call (SkiffError) by its errno. */
export function isAbsent(e: unknown): boolean {
  if (isSkiffError(e)) return e.errno !== undefined && isAbsentErrno(e.errno);
  return Object.hasOwn(ABSENT, (e as NodeJS.ErrnoException).code ?? "");
}

export function isAbsentErrno(errno: number): boolean {
  return Object.values(ABSENT).includes(errno);
}

let current: Platform | undefined;
/** The exits of every process started through the platform (childrenExited waits for them). */
const exits: Promise<void>[] = [];

export function setPlatform(p: Platform): void {
  current = {
    ...p,
    spawn: (file, args, options) => {
      const child = p.spawn(file, args, options);
      exits.push(child.exited);
      return child;
    },
  };
}

/**
 * Settles once every helper this process started has exited and been reaped by it. Each one
 * exits on its own once its command is done (or was killed), so waiting costs nothing, and no
 * helper is left for the caller's subreaper to reap (a zombie still counts in pids.current).
 */
export async function childrenExited(): Promise<void> {
  await Promise.all(exits);
}

export function platform(): Platform {
  if (!current) throw new Error("no platform: start skiff through src/main-bun.ts or src/main-node.ts");
  return current;
}

export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
