// Ffi through Bun's native FFI object (the compiled dist/skiff). Each function is bound once, on
// first use.
import type { ArgType, Ffi } from "./ffi.js";

type Fn = (...args: unknown[]) => number | bigint;

/** bun:ffi's FFIType numbers for the types skiff passes; scripts/build.sh checks them against the enum. */
export const FFI_TYPE = { i32: 5, i64: 7, ptr: 12 } as const;
const TYPES: Record<ArgType, number> = { i32: FFI_TYPE.i32, i64: FFI_TYPE.i64, string: FFI_TYPE.ptr, buffer: FFI_TYPE.ptr };

/**
 * Bun.FFI is the native object the `bun:ffi` module wraps; the wrapper adds type names and
 * argument conversions skiff does not use, and costs a compiled program ~1.1–1.7 ms to load
 * (docs/architecture.md). Without Bun.FFI (another Bun), the module.
 */
function nativeFfi(): typeof import("bun:ffi") {
  return (Bun as unknown as { FFI?: typeof import("bun:ffi") }).FFI ?? (require("bun:ffi") as typeof import("bun:ffi"));
}

// Strings reach C through a TextEncoder: Buffer.from's first use costs a compiled command ~0.6 ms.
let encoder: InstanceType<typeof TextEncoder> | undefined;

export function bunFfi(): Ffi {
  const { dlopen, read } = nativeFfi();
  const bound = new Map<string, Fn>();
  const errnoLocation = dlopen("libc.so.6", { __errno_location: { args: [], returns: FFI_TYPE.ptr } }).symbols.__errno_location as () => number;
  return {
    call(func, ret, types, values, library = "libc.so.6") {
      const key = `${library} ${ret} ${func}(${types.join(",")})`;
      let fn = bound.get(key);
      if (!fn) {
        fn = dlopen(library, { [func]: { args: types.map((t) => TYPES[t]), returns: TYPES[ret] } }).symbols[func] as Fn;
        bound.set(key, fn);
      }
      const args = values.map((v, i) => (types[i] === "string" ? (encoder ??= new TextEncoder()).encode(`${v}\0`) : v));
      const value = Number(fn(...args));
      return { value, errno: value === -1 ? read.i32(errnoLocation(), 0) : 0 };
    },
  };
}
