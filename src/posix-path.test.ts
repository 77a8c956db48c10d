import { posix } from "node:path";
import { expect, it } from "vitest";
import * as ours from "./posix-path.js";

/** Paths with the shapes that matter: roots, repeated and trailing slashes, ".", "..", empty. */
const SAMPLES = ["", "/", "//", "///", ".", "..", "./", "../", "a", "a/", "/a", "//a", "///a", "a//b", "/a//b", "/a/b/", "/a/./b/../c", "../../a", "a/../..", "/../a", "./a/", "..//", "/a/b/../../..", "a/./"];

/** Random paths from a small alphabet, so that every segment kind meets every other (seeded: repeatable). */
function randomPaths(count: number): string[] {
  const segments = ["", ".", "..", "a", "b", "sys", "fs"];
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  return Array.from({ length: count }, () => {
    const lead = next(3) === 0 ? "/" : "";
    return lead + Array.from({ length: next(6) }, () => segments[next(segments.length)]).join("/");
  });
}

const inputs = [...SAMPLES, ...randomPaths(400)];

it.each(["normalize", "dirname", "basename"] as const)("%s is node:path's posix one", (name) => {
  for (const p of inputs) expect([p, ours[name](p)]).toEqual([p, posix[name](p)]);
});

it("join, resolve and relative are node:path's posix ones", () => {
  for (let i = 0; i + 2 < inputs.length; i++) {
    const [a, b, c] = inputs.slice(i, i + 3);
    expect([a, b, c, ours.join(a, b, c)]).toEqual([a, b, c, posix.join(a, b, c)]);
    expect([a, b, ours.resolve(a, b)]).toEqual([a, b, posix.resolve(a, b)]);
    expect([a, b, ours.relative(a, b)]).toEqual([a, b, posix.relative(a, b)]);
  }
  expect(ours.join()).toBe(posix.join());
  expect(ours.resolve()).toBe(posix.resolve());
});
