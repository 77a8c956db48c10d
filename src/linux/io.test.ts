import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { isSkiffError } from "../errors.js";
import { EISDIR, ENOENT } from "./errno.js";
import { isDirectory, listDirThroughLibc, makeDirectoryChain, readFileThroughLibc, readTextThroughLibc, removeTreeThroughLibc, replaceFileThroughLibc, writeAll } from "./io.js";
import { exists } from "./libc.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-io-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The errno of the SkiffError fn throws; undefined if it throws none. */
function errnoThrownBy(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return isSkiffError(e) ? e.errno : -1;
  }
  return undefined;
}

it("writes all of a large text, multi-byte characters included", () => {
  const file = path.join(dir, "out");
  const fd = fs.openSync(file, "w");
  const text = "é".repeat(300_000) + "\n";
  writeAll(fd, text);
  writeAll(fd, Buffer.from("bytes"));
  fs.closeSync(fd);
  expect(fs.readFileSync(file, "utf8")).toBe(text + "bytes");
});

it("reads a whole file through libc, larger than one read; a missing one is an error or undefined", () => {
  const file = path.join(dir, "big");
  const text = "ü".repeat(100_000);
  fs.writeFileSync(file, text);
  expect(readFileThroughLibc(file)).toBe(text);
  // empty, and exactly one full buffer (the read after it is the one that says end of file)
  for (const size of [0, 65536, 131072]) {
    fs.writeFileSync(file, "a".repeat(size));
    expect(readFileThroughLibc(file)).toBe("a".repeat(size));
  }
  expect(readTextThroughLibc(path.join(dir, "none"))).toBeUndefined();
  expect(errnoThrownBy(() => readFileThroughLibc(path.join(dir, "none")))).toBe(ENOENT);
});

it("lists a directory with its entries' kinds, over more than one getdents64 buffer", () => {
  fs.mkdirSync(path.join(dir, "sub"));
  fs.symlinkSync(path.join(dir, "sub"), path.join(dir, "link"));
  const names = Array.from({ length: 600 }, (_, i) => `file-${i}-${"x".repeat(40)}`);
  for (const n of names) fs.writeFileSync(path.join(dir, n), "");
  const entries = listDirThroughLibc(dir);
  expect(entries.filter((e) => e.directory).map((e) => e.name)).toEqual(["sub"]);
  expect(entries.map((e) => e.name).sort()).toEqual([...names, "link", "sub"].sort());
});

it("removes a tree, never following a symlink out of it; a missing path is fine", () => {
  const outside = path.join(dir, "outside");
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "keep"), "");
  const tree = path.join(dir, "tree");
  fs.mkdirSync(path.join(tree, "a", "b"), { recursive: true });
  fs.writeFileSync(path.join(tree, "a", "b", "f"), "");
  fs.writeFileSync(path.join(tree, "g"), "");
  fs.symlinkSync(outside, path.join(tree, "a", "to-outside"));
  removeTreeThroughLibc(tree);
  expect(fs.existsSync(tree)).toBe(false);
  expect(fs.readdirSync(outside)).toEqual(["keep"]);
  removeTreeThroughLibc(tree);
  // a symlink given itself goes, not what it points to
  fs.symlinkSync(outside, path.join(dir, "top-link"));
  removeTreeThroughLibc(path.join(dir, "top-link"));
  expect(fs.readdirSync(outside)).toEqual(["keep"]);
});

it("answers kinds and existence without opening a FIFO, and reading a directory is an error, not absence", () => {
  const fifo = path.join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  fs.mkdirSync(path.join(dir, "sub"));
  fs.symlinkSync(path.join(dir, "sub"), path.join(dir, "link"));
  expect([exists(fifo), isDirectory(fifo)]).toEqual([true, false]);
  expect([exists(path.join(dir, "none")), isDirectory(path.join(dir, "none"))]).toEqual([false, false]);
  expect(isDirectory(path.join(dir, "sub"))).toBe(true);
  expect([isDirectory(path.join(dir, "link")), isDirectory(path.join(dir, "link"), { followSymlink: true })]).toEqual([false, true]);
  expect(errnoThrownBy(() => readTextThroughLibc(path.join(dir, "sub")))).toBe(EISDIR);
});

const ENOTDIR = 20;

it("makes a directory chain parents first, saying which it made, also when it fails part-way", () => {
  fs.mkdirSync(path.join(dir, "a"));
  const leaf = path.join(dir, "a", "b", "c");
  expect(makeDirectoryChain(leaf, 0o700)).toEqual([path.join(dir, "a", "b"), leaf]);
  expect(fs.statSync(leaf).mode & 0o777).toBe(0o700 & ~process.umask());
  expect(makeDirectoryChain(leaf, 0o700)).toEqual([]);
  // through a file: ENOTDIR; a name too long for the kernel (ENAMETOOLONG) after two were made
  fs.writeFileSync(path.join(dir, "file"), "");
  expect(errnoThrownBy(() => makeDirectoryChain(path.join(dir, "file", "y"), 0o755))).toBe(ENOTDIR);
  const made: string[] = [];
  expect(errnoThrownBy(() => makeDirectoryChain(path.join(dir, "n", "m", "r".repeat(300)), 0o755, made))).toBe(36);
  expect(made).toEqual([path.join(dir, "n"), path.join(dir, "n", "m")]);
  // procfs answers ENOENT with its parent there: one error, not an endless retry
  expect(() => makeDirectoryChain("/proc/skiff-no-such-dir/x", 0o755)).toThrow("mkdir /proc/skiff-no-such-dir: no such file or directory");
});

it("replaces a file whole, with the mode asked, leaving no temporary file even when it fails", () => {
  const file = path.join(dir, "state.json");
  replaceFileThroughLibc(file, "first", 0o600);
  replaceFileThroughLibc(file, "second, longer", 0o600);
  expect(fs.readFileSync(file, "utf8")).toBe("second, longer");
  expect(fs.statSync(file).mode & 0o777).toBe(0o600 & ~process.umask());
  expect(fs.readdirSync(dir)).toEqual(["state.json"]);
  expect(errnoThrownBy(() => replaceFileThroughLibc(path.join(dir, "none", "f"), "x", 0o600))).toBe(ENOENT);
  // the rename fails (a directory is in the way): the written temporary file goes
  fs.mkdirSync(path.join(dir, "taken"));
  fs.writeFileSync(path.join(dir, "taken", "inside"), "");
  expect(errnoThrownBy(() => replaceFileThroughLibc(path.join(dir, "taken"), "x", 0o600))).toBeDefined();
  expect(fs.readdirSync(dir).sort()).toEqual(["state.json", "taken"]);
});
