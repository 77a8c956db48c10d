// The cache of compiled seccomp filters in the state root (as crun keeps one): keyed by the
// profile and the libseccomp version, so repeated containers with one profile skip libseccomp
// and the seccomp compiler's chunk (docs/architecture.md). Files are written to a temporary name
// and renamed, so concurrent creates never read halves; through libc, as the rest of create's
// files.
import * as path from "../posix-path.js";
import { log } from "../log.js";
import { platform } from "../platform/index.js";
import type { Seccomp } from "../spec/types.js";
import { makeDirectoryChain, readTextThroughLibc, replaceFileThroughLibc } from "./io.js";
import { sys } from "./libc.js";
import type { CompiledSeccomp } from "./seccomp.js";

/**
 * "2.5.4": the library's version (it shapes the BPF, so it is part of the cache key). Read
 * through the platform's FFI: seccomp_version() points at { unsigned major, minor, micro }.
 */
export function libseccompVersion(): string {
  const version = sys("seccomp_version", [], [], "seccomp_version", "i64", "libseccomp.so.2");
  const v = Buffer.alloc(12);
  sys("memcpy", ["buffer", "i64", "i64"], [v, version, v.length], "memcpy", "i64");
  return `${v.readUInt32LE(0)}.${v.readUInt32LE(4)}.${v.readUInt32LE(8)}`;
}

/** JSON with object keys sorted, so equal profiles hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// Bump when the cached file's layout or compileSeccomp's output for a given profile changes.
const CACHE_FORMAT = 2;

export function seccompCacheKey(s: Seccomp): string {
  return platform().sha256Hex(`skiff-seccomp-${CACHE_FORMAT}\0${libseccompVersion()}\0${process.arch}\0${canonicalJson(s)}`);
}

interface CacheEntry {
  bpf: string; // base64
  flags: number[];
  notify: boolean;
  listenerPath?: string;
  listenerMetadata?: string;
}

function readCache(file: string): CompiledSeccomp | undefined {
  let entry: CacheEntry;
  try {
    const text = readTextThroughLibc(file);
    if (text === undefined) return undefined;
    entry = JSON.parse(text) as CacheEntry;
  } catch {
    return undefined; // unreadable, or torn by a crash before rename: compile again
  }
  const bpf = Buffer.from(entry.bpf, "base64");
  if (bpf.length === 0 || bpf.length % 8 !== 0 || !Array.isArray(entry.flags)) return undefined;
  return { bpf, flags: entry.flags, notify: entry.notify, listenerPath: entry.listenerPath, listenerMetadata: entry.listenerMetadata };
}

/** compileSeccomp through the cache in cacheDir. */
export async function compileSeccompCached(s: Seccomp, cacheDir: string): Promise<CompiledSeccomp> {
  const file = path.join(cacheDir, `${seccompCacheKey(s)}.json`);
  const cached = readCache(file);
  if (cached) return cached;
  const compiled = (await import("./seccomp.js")).compileSeccomp(s);
  const entry: CacheEntry = { ...compiled, bpf: compiled.bpf.toString("base64") };
  try {
    makeDirectoryChain(cacheDir, 0o700);
    replaceFileThroughLibc(file, JSON.stringify(entry), 0o600);
  } catch (e) {
    log("debug", `seccomp cache not written: ${(e as Error).message}`);
  }
  return compiled;
}
