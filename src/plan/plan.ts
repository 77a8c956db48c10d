// A plan: the steps skiff-init executes, each with the words an error message needs.
import { Op, PLAN_MAGIC, PLAN_VERSION } from "./protocol.js";

export interface Step {
  op: Op;
  ints?: readonly (number | bigint)[];
  strs?: readonly (string | Buffer)[];
  /** What this step does, for error messages: "mount proc on /proc". */
  what: string;
}

export interface Plan {
  steps: Step[];
}

export function step(op: Op, what: string, ints: readonly (number | bigint)[] = [], strs: readonly (string | Buffer)[] = []): Step {
  return { op, what, ints, strs };
}

/**
 * Binary form, as native/protocol.h describes it. Sized first, then written into one buffer: a
 * plan has hundreds of fields, and a Buffer for each cost a compiled skiff more than the rest.
 */
export function encodePlan(plan: Plan): Buffer {
  const strings = plan.steps.map((s) => (s.strs ?? []).map((v) => (typeof v === "string" ? Buffer.from(v) : v)));
  let size = 12;
  plan.steps.forEach((s, i) => {
    size += 12 + 8 * (s.ints?.length ?? 0);
    for (const bytes of strings[i]) size += 4 + bytes.length + 1;
  });
  const out = Buffer.alloc(size); // zero-filled: each string's NUL is already there
  let at = out.writeUInt32LE(PLAN_MAGIC, 0);
  at = out.writeUInt32LE(PLAN_VERSION, at);
  at = out.writeUInt32LE(plan.steps.length, at);
  plan.steps.forEach((s, i) => {
    const ints = s.ints ?? [];
    at = out.writeUInt32LE(s.op, at);
    at = out.writeUInt32LE(ints.length, at);
    at = out.writeUInt32LE(strings[i].length, at);
    for (const v of ints) at = writeInt64(out, v, at);
    for (const bytes of strings[i]) {
      at = out.writeUInt32LE(bytes.length, at);
      at += bytes.copy(out, at) + 1;
    }
  });
  return out;
}

const TWO_32 = 0x100000000;

/** A 64-bit two's-complement integer, little-endian; a safe integer without making a BigInt. */
function writeInt64(out: Buffer, v: number | bigint, at: number): number {
  if (typeof v === "number" && Number.isSafeInteger(v)) {
    out.writeUInt32LE(((v % TWO_32) + TWO_32) % TWO_32, at);
    out.writeInt32LE(Math.floor(v / TWO_32), at + 4);
    return at + 8;
  }
  return out.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)), at);
}
