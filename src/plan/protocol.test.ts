import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACK_FAIL, ACK_OK, ChdirMode, MountMode, Msg, Op, PLAN_MAGIC, PLAN_VERSION, SourceFlag } from "./protocol.js";

const header = readFileSync(new URL("../../native/protocol.h", import.meta.url), "utf8");

function cValue(name: string): number {
  const m = header.match(new RegExp(`\\b${name}\\s*=\\s*(\\w+)`)) ?? header.match(new RegExp(`#define ${name} (\\w+?)u?\\b`));
  if (!m) throw new Error(`${name} not in protocol.h`);
  return Number(m[1].replace(/u$/, ""));
}

describe("protocol.ts mirrors native/protocol.h", () => {
  it("has the same opcodes", () => {
    const cOps = [...header.matchAll(/\bOP_([A-Z_]+) = (\d+)/g)].map(([, n, v]) => [n, Number(v)]);
    const tsOps = Object.entries(Op).filter(([, v]) => typeof v === "number");
    expect(Object.fromEntries(tsOps)).toEqual(Object.fromEntries(cOps));
  });

  it("has the same message types, mount bits and constants", () => {
    for (const [name, v] of Object.entries(Msg).filter(([, v]) => typeof v === "number")) expect(cValue(`MSG_${name}`)).toBe(v);
    for (const [name, v] of Object.entries(MountMode)) expect(cValue(`MOUNT_${name}`)).toBe(v);
    for (const [name, v] of Object.entries(ChdirMode)) expect(cValue(`CHDIR_${name}`)).toBe(v);
    for (const [name, v] of Object.entries(SourceFlag)) expect(cValue(`SOURCE_${name}`)).toBe(v);
    expect(cValue("PLAN_MAGIC")).toBe(PLAN_MAGIC);
    expect(cValue("PLAN_VERSION")).toBe(PLAN_VERSION);
    expect(cValue("ACK_OK")).toBe(ACK_OK);
    expect(cValue("ACK_FAIL")).toBe(ACK_FAIL);
  });
});
