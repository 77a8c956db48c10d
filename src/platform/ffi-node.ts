// Ffi through ffi-rs (Node).
import { DataType, load, open } from "ffi-rs";
import type { ArgType, Ffi } from "./ffi.js";

const TYPES: Record<ArgType, DataType> = { i32: DataType.I32, i64: DataType.I64, string: DataType.String, buffer: DataType.U8Array };

export function nodeFfi(): Ffi {
  const opened = new Set<string>();
  return {
    call(funcName, ret, types, values, library = "libc.so.6") {
      if (!opened.has(library)) {
        open({ library, path: library });
        opened.add(library);
      }
      const r = load({ library, funcName, retType: ret === "i32" ? DataType.I32 : DataType.I64, paramsType: types.map((t) => TYPES[t]), paramsValue: [...values], errno: true }) as unknown as {
        value: number;
        errnoCode: number;
      };
      return { value: Number(r.value), errno: r.errnoCode };
    },
  };
}
