// Ffi through bun:ffi (the compiled dist/skiff). Each function is bound once, on first use, and
// bun:ffi itself is loaded only then: `state` and `list` call no libc function of their own.
import type { ArgType, Ffi } from "./ffi.js";

type Fn = (...args: unknown[]) => number | bigint;

export function bunFfi(): Ffi {
  const { dlopen, FFIType, read } = require("bun:ffi") as typeof import("bun:ffi");
  const TYPES: Record<ArgType, import("bun:ffi").FFIType> = { i32: FFIType.i32, i64: FFIType.i64, string: FFIType.ptr, buffer: FFIType.ptr };
  const bound = new Map<string, Fn>();
  const errnoLocation = dlopen("libc.so.6", { __errno_location: { args: [], returns: FFIType.ptr } }).symbols.__errno_location as () => number;
  return {
    call(func, ret, types, values, library = "libc.so.6") {
      const key = `${library} ${ret} ${func}(${types.join(",")})`;
      let fn = bound.get(key);
      if (!fn) {
        fn = dlopen(library, { [func]: { args: types.map((t) => TYPES[t]), returns: TYPES[ret] } }).symbols[func] as Fn;
        bound.set(key, fn);
      }
      const args = values.map((v, i) => (types[i] === "string" ? Buffer.from(`${v}\0`) : v));
      const value = Number(fn(...args));
      return { value, errno: value === -1 ? read.i32(errnoLocation(), 0) : 0 };
    },
  };
}
