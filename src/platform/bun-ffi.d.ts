// The small part of bun:ffi that src/platform/ffi-bun.ts uses (Bun ships the real types; the
// Node toolchain does not have them).
declare module "bun:ffi" {
  export enum FFIType {
    i32 = 5,
    i64 = 7,
    ptr = 12,
  }
  export function dlopen<T extends Record<string, { args: FFIType[]; returns: FFIType }>>(
    path: string,
    symbols: T,
  ): { symbols: { [K in keyof T]: (...args: unknown[]) => unknown } };
  export const read: { i32(ptr: number, offset: number): number };
}
