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

/** Binary form, as native/protocol.h describes it. */
export function encodePlan(plan: Plan): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    parts.push(b);
  };
  u32(PLAN_MAGIC);
  u32(PLAN_VERSION);
  u32(plan.steps.length);
  for (const s of plan.steps) {
    const ints = s.ints ?? [];
    const strs = s.strs ?? [];
    u32(s.op);
    u32(ints.length);
    u32(strs.length);
    for (const v of ints) {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)));
      parts.push(b);
    }
    for (const v of strs) {
      const bytes = typeof v === "string" ? Buffer.from(v) : v;
      u32(bytes.length);
      parts.push(bytes, Buffer.alloc(1));
    }
  }
  return Buffer.concat(parts);
}
