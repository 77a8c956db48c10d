// Load and validate config.json, exec's process.json and update's resources JSON.
// Imports only the precompiled validators (scripts/gen-validators.mjs), never ajv's compiler.
// Every problem becomes one line "<source>: <json pointer>: <rule>", all reported at once.

import { join } from "../posix-path.js";
import type { ErrorObject } from "ajv";
import { SkiffError } from "../errors.js";
import { errnoName, errnoOf } from "../linux/errno.js";
import { readFileThroughLibc } from "../linux/io.js";
import { locateJsonError } from "./json-position.js";
import { allowsRelativeMountDestinations, ociVersionViolation, processViolations, specViolations } from "./semantic.js";
import { resourcesViolations } from "./semantic-linux.js";
import { pointerKey, type Violation } from "./violation.js";
import type { LinuxResources, Process, ValidSpec } from "./types.js";
import {
  validateConfig,
  validateProcess as validateProcessSchema,
  validateResources as validateResourcesSchema,
  type GeneratedValidator,
} from "./validators.generated.js";

/** Reads and validates `<bundleDir>/config.json`. */
export function loadConfig(bundleDir: string): ValidSpec {
  const file = join(bundleDir, "config.json");
  return validateSpec(readJsonFile(file), "config.json");
}

/** Reads a JSON file; a missing file or a syntax error names the file (and the position). */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileThroughLibc(file);
  } catch (e) {
    const errno = errnoOf(e);
    throw new SkiffError("InvalidConfig", `cannot read ${file}: ${errno === undefined ? String(e) : errnoName(errno)}`);
  }
  return parseJson(text, file);
}

export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const where = locateJsonError(text);
    const detail = where ? ` at line ${where.line}, column ${where.column}: ${where.reason}` : "";
    throw new SkiffError("InvalidConfig", `${source}: invalid JSON${detail}`);
  }
}

export function validateSpec(value: unknown, source = "config.json"): ValidSpec {
  const spec = validated<ValidSpec>(value, source, configShapeViolations, specViolations);
  if (allowsRelativeMountDestinations(spec.ociVersion)) {
    for (const m of spec.mounts ?? []) if (!m.destination.startsWith("/")) m.destination = "/" + m.destination;
  }
  return spec;
}

/** A runtime-spec Process, as `exec --process FILE` gives it. */
export function validateProcess(value: unknown, source = "process.json"): Process {
  return validated(value, source, (d) => schemaViolations(validateProcessSchema, d), (p: Process) => processViolations(p, ""));
}

/** A LinuxResources object, as `update --resources FILE` gives it. */
export function validateResources(value: unknown, source = "resources.json"): LinuxResources {
  return validated(value, source, (d) => schemaViolations(validateResourcesSchema, d), (r: LinuxResources) => resourcesViolations(r, ""));
}

/** The schema, plus the version range, which is worth reporting even when the shape is wrong. */
function configShapeViolations(data: unknown): Violation[] {
  const found = schemaViolations(validateConfig, data);
  const version = (data as { ociVersion?: unknown } | null)?.ociVersion;
  const versionProblem = typeof version === "string" ? ociVersionViolation(version) : undefined;
  return versionProblem ? [...found, versionProblem] : found;
}

/** Shape first; the semantic rules run only on a document of the right shape. */
function validated<T>(value: unknown, source: string, shape: (data: unknown) => Violation[], semantic: (data: T) => Violation[]): T {
  const data = withoutNulls(value);
  const found = shape(data);
  reject(source, found.length > 0 ? found : semantic(data as T));
  return data as T;
}

/**
 * Every violation, most specific (deepest path) first, on one line (callers and logs take an
 * error as one line); throws if there are any.
 */
function reject(source: string, found: Violation[]): void {
  if (found.length === 0) return;
  const depth = (v: Violation): number => (v.path.match(/\//g) ?? []).length;
  const sorted = [...found].sort((a, b) => depth(b) - depth(a));
  const lines = [...new Set(sorted.map((v) => (v.path ? `${source}: ${v.path}: ${v.message}` : `${source}: ${v.message}`)))];
  throw new SkiffError("InvalidConfig", lines.join("; "));
}

/**
 * Go's encoding/json (runc, and the engines that write configs) treats `"field": null` as an
 * absent field; so do we, by dropping null-valued object properties before validation.
 * Nulls inside arrays stay and are reported.
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
    return out;
  }
  return value;
}

/** ajv errors → violations, without ajv's wrapper noise. */
function schemaViolations(validate: GeneratedValidator, data: unknown): Violation[] {
  if (validate(data)) return [];
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== "if") // an if/then failure is reported by the `then` errors
    .map((e) => toViolation(e, data));
}

// Messages for the schemas' patterns, by pattern text.
const PATTERN_MESSAGES: Record<string, string> = {
  "^/": "must be an absolute path",
  "^([0-9]+(-[0-9]+)?)?(,[0-9]+(-[0-9]+)?)*$": 'must be a list of numbers and ranges such as "0-3,7"',
  "^[1-9][0-9]*[KMGTP]?B$": 'must be a size such as "2MB" or "1GB"',
  "^MB:": 'must start with "MB:"',
};

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
  array: "an array",
  object: "an object",
};

function toViolation(e: ErrorObject, data: unknown): Violation {
  const p = e.params as Record<string, unknown>;
  const got = (): string => {
    const v = valueAt(data, e.instancePath);
    return v === undefined ? "" : ` (got ${JSON.stringify(v)})`;
  };
  switch (e.keyword) {
    case "required":
      return { path: `${e.instancePath}/${pointerKey(String(p.missingProperty))}`, message: "is required" };
    case "additionalProperties":
      return { path: `${e.instancePath}/${pointerKey(String(p.additionalProperty))}`, message: "is not a known property" };
    case "type": {
      const types = String(p.type).split(",").map((t) => TYPE_NAMES[t] ?? t);
      return { path: e.instancePath, message: `must be ${types.join(" or ")}${got()}` };
    }
    case "enum":
      return { path: e.instancePath, message: `must be one of ${(p.allowedValues as unknown[]).join(", ")}` };
    case "minimum":
    case "maximum":
      return { path: e.instancePath, message: `must be ${String(p.comparison)} ${String(p.limit)}${got()}` };
    case "pattern": {
      const pattern = String(p.pattern);
      return { path: e.instancePath, message: `${PATTERN_MESSAGES[pattern] ?? `must match ${pattern}`}${got()}` };
    }
    case "minItems":
    case "minLength":
    case "minProperties":
      if (p.limit === 1) return { path: e.instancePath, message: "must not be empty" };
      return { path: e.instancePath, message: `must have at least ${String(p.limit)} ${e.keyword === "minLength" ? "characters" : "entries"}` };
    default:
      return { path: e.instancePath, message: `fails the "${e.keyword}" rule ${JSON.stringify(p)}` };
  }
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
