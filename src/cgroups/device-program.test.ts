import { describe, expect, it } from "vitest";
import { compileDeviceProgram } from "./device-program.js";

/** The program as "op dst src off imm" lines, to read the compiled rules. */
function disassemble(prog: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < prog.length; i += 8) {
    const regs = prog.readUInt8(i + 1);
    out.push(`${prog.readUInt8(i).toString(16)} r${regs & 15} r${regs >> 4} ${prog.readInt16LE(i + 2)} ${prog.readInt32LE(i + 4)}`);
  }
  return out;
}

const PROLOGUE = 6;

describe("compileDeviceProgram", () => {
  it("allows everything when there are no rules, like a fresh v1 cgroup", () => {
    expect(disassemble(compileDeviceProgram([])).slice(PROLOGUE)).toEqual(["b4 r0 r0 0 1", "95 r0 r0 0 0"]);
  });

  it("turns a leading deny-all into the default and tests each later rule, last rule first", () => {
    const prog = disassemble(
      compileDeviceProgram([
        { allow: false, access: "rwm" },
        { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
        { allow: true, type: "c", major: 136, access: "rw" },
      ]),
    );
    expect(prog.slice(PROLOGUE)).toEqual([
      // c 136:* rw: type, access subset (r1 = r3 & rw; skip unless r1 == r3), major
      "55 r2 r0 6 2",
      "bc r1 r3 0 0",
      "54 r1 r0 0 6",
      "5d r1 r3 3 0",
      "55 r4 r0 2 136",
      "b4 r0 r0 0 1",
      "95 r0 r0 0 0",
      // c 1:3 rwm: type, major, minor
      "55 r2 r0 4 2",
      "55 r4 r0 3 1",
      "55 r5 r0 2 3",
      "b4 r0 r0 0 1",
      "95 r0 r0 0 0",
      // no rule matched: the default, deny
      "b4 r0 r0 0 0",
      "95 r0 r0 0 0",
    ]);
  });

  it("lets a deny rule match any overlapping access and drops rules a catch-all overrides", () => {
    const prog = disassemble(compileDeviceProgram([{ allow: true, type: "c", major: 1, minor: 5 }, { allow: true, access: "rwm" }, { allow: false, type: "b", access: "w" }]));
    expect(prog.slice(PROLOGUE)).toEqual([
      "55 r2 r0 5 1",
      "bc r1 r3 0 0",
      "54 r1 r0 0 4",
      "15 r1 r0 2 0", // no requested access in common with "w": not this rule
      "b4 r0 r0 0 0",
      "95 r0 r0 0 0",
      "b4 r0 r0 0 1",
      "95 r0 r0 0 0",
    ]);
  });
});
