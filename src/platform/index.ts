// The one seam between the two JavaScript engines skiff runs on (docs/architecture.md): how the
// skiff-init binary is found, how it is started and how libc is called. The entry point sets it:
// main-bun.ts (dist/skiff: skiff-init embedded, Bun.spawn, bun:ffi) or main-node.ts / the test
// setup (node.ts: native/build/skiff-init, child_process, ffi-rs).
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
  initBinary(): Buffer;
  spawn: Spawn;
  ffi(): Ffi;
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
