// POSIX path strings, with node:path's posix semantics (a unit test holds them equal). Its own
// module because node:path, as the first `node:` module a compiled skiff loads, costs ~2 ms
// (docs/architecture.md): `delete`, `kill --all`, `pause` and the cgroup commands need paths and
// nothing else of Node's.

/** The segments of p with "." and empty ones dropped and ".." applied; `..` above the start kept when relative. */
function normalizedSegments(p: string, relative: boolean): string[] {
  const out: string[] = [];
  for (const segment of p.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") out.push(segment);
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (relative) out.push("..");
  }
  return out;
}

function isAbsolute(p: string): boolean {
  return p.startsWith("/");
}

export function normalize(p: string): string {
  if (p === "") return ".";
  const absolute = isAbsolute(p);
  let s = normalizedSegments(p, !absolute).join("/");
  if (s === "" && !absolute) s = ".";
  if (s !== "" && p.endsWith("/")) s += "/";
  return absolute ? `/${s}` : s;
}

export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/** An absolute path: parts from the right until one is absolute, then the working directory. */
export function resolve(...parts: string[]): string {
  let resolved = "";
  for (let i = parts.length - 1; i >= -1; i--) {
    const p = i >= 0 ? parts[i] : process.cwd();
    if (p === "") continue;
    resolved = resolved === "" ? p : `${p}/${resolved}`;
    if (isAbsolute(p)) break;
  }
  return `/${normalizedSegments(resolved, false).join("/")}`;
}

/** The path from `from` to `to` (both resolved); "" when they are the same. */
export function relative(from: string, to: string): string {
  const f = normalizedSegments(resolve(from), false);
  const t = normalizedSegments(resolve(to), false);
  let common = 0;
  while (common < f.length && common < t.length && f[common] === t[common]) common++;
  return [...Array<string>(f.length - common).fill(".."), ...t.slice(common)].join("/");
}

/** Where the last segment ends, trailing slashes ignored: 0 when p is all slashes (or empty). */
function lastSegmentEnd(p: string): number {
  let end = p.length;
  while (end > 0 && p[end - 1] === "/") end--;
  return end;
}

/** Up to the slash before the last segment, as node:path: other slashes before it are kept ("a//b" → "a/"). */
export function dirname(p: string): string {
  if (p === "") return ".";
  const end = lastSegmentEnd(p);
  if (end === 0) return "/";
  const slash = p.lastIndexOf("/", end - 1);
  if (slash === -1) return ".";
  if (slash === 0) return "/";
  return slash === 1 && p[0] === "/" ? "//" : p.slice(0, slash);
}

export function basename(p: string): string {
  const end = lastSegmentEnd(p);
  return p.slice(p.lastIndexOf("/", end - 1) + 1, end);
}
