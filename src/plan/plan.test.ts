import { expect, it } from "vitest";
import { encodePlan, step } from "./plan.js";
import { PLAN_MAGIC, PLAN_VERSION } from "./protocol.js";

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return [...b];
};
const i64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(v);
  return [...b];
};

it("encodes a plan as native/protocol.h reads it: header, then each step's op, counts, ints and NUL-ended strings", () => {
  const plan = {
    steps: [
      step(7, "first", [-1, 2 ** 40 + 5, -(2 ** 32), 9007199254740993n, 0], ["ab", Buffer.from([1, 2])]),
      step(3, "second"),
      step(4, "third", [], [""]),
    ],
  };
  const expected = [
    ...u32(PLAN_MAGIC), ...u32(PLAN_VERSION), ...u32(3),
    ...u32(7), ...u32(5), ...u32(2),
    ...i64(-1n), ...i64(2n ** 40n + 5n), ...i64(-(2n ** 32n)), ...i64(9007199254740993n), ...i64(0n),
    ...u32(2), 0x61, 0x62, 0, ...u32(2), 1, 2, 0,
    ...u32(3), ...u32(0), ...u32(0),
    ...u32(4), ...u32(0), ...u32(1), ...u32(0), 0,
  ];
  expect([...encodePlan(plan)]).toEqual(expected);
});

it("refuses an integer field that is not an integer", () => {
  expect(() => encodePlan({ steps: [step(1, "bad", [1.5])] })).toThrow(RangeError);
});
