// The FFI contract both engines implement: call a C function (of libc, or another library)
// returning an integer, and get errno with it. ffi-rs on Node; Bun's native FFI on Bun (ffi-rs would cost Bun start-up time to
// extract and load its addon, Bun.FFI none: docs/architecture.md has the figures).
export type ArgType = "i32" | "i64" | "string" | "buffer";
export type ArgValue = number | string | Buffer;

export interface Ffi {
  /**
   * Calls libc's `func`; value is its return (C `int` for "i32", `long` for "i64": the width
   * matters, -1 read as 64 bits from an int function is 4294967295); errno is meaningful when
   * value is -1. `library` is a soname for dlopen, libc.so.6 when absent.
   */
  call(func: string, ret: "i32" | "i64", types: readonly ArgType[], values: readonly ArgValue[], library?: string): { value: number; errno: number };
}
