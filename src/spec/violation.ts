// A rule's finding in a config: the JSON pointer it is about, and what is wrong there.
import type { NamespaceType } from "./types.js";

export interface Violation {
  /** JSON pointer into the document ("" = the document itself). */
  path: string;
  message: string;
}

/** JSON-pointer escaping of one key (RFC 6901). */
export function pointerKey(key: string | number): string {
  return String(key).replace(/~/g, "~0").replace(/\//g, "~1");
}

export function join(base: string, ...keys: (string | number)[]): string {
  return base + keys.map((k) => "/" + pointerKey(k)).join("");
}

/** The namespace types a config has (new or joined): where each is listed, and its path. */
export type NamespaceIndex = Map<NamespaceType, { index: number; path?: string }>;
