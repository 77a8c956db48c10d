// The one seam between the two JavaScript engines skiff runs on (docs/architecture.md): how the
// skiff-init binary is found and how libc is called. The entry point sets it: main-bun.ts
// (dist/skiff: skiff-init embedded, bun:ffi) or main-node.ts / the test setup (node.ts:
// native/build/skiff-init, ffi-rs).
import type { Ffi } from "./ffi.js";

export interface Platform {
  initBinary(): Buffer;
  ffi(): Ffi;
}

let current: Platform | undefined;

export function setPlatform(p: Platform): void {
  current = p;
}

export function platform(): Platform {
  if (!current) throw new Error("no platform: start skiff through src/main-bun.ts or src/main-node.ts");
  return current;
}

export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
