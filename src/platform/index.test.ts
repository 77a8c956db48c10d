import { expect, it } from "vitest";
import { SkiffError } from "../errors.js";
import { isAbsent } from "./index.js";

it("isAbsent: no such file, by a Node error's code or a libc call's errno", () => {
  for (const code of ["ENOENT", "ENOTDIR", "ENODEV", "EOPNOTSUPP"]) expect(isAbsent(Object.assign(new Error(code), { code }))).toBe(true);
  expect(isAbsent(Object.assign(new Error("EACCES"), { code: "EACCES" }))).toBe(false);
  expect(isAbsent(new SkiffError("Syscall", "open /x: no such file or directory", 2))).toBe(true);
  expect(isAbsent(new SkiffError("Syscall", "open /x/y: not a directory", 20))).toBe(true);
  expect(isAbsent(new SkiffError("Syscall", "open /x: permission denied", 13))).toBe(false);
  expect(isAbsent(new SkiffError("NotFound", "container x does not exist"))).toBe(false);
});
