// cgroup v2 has no devices.allow/deny files: device access is decided by an eBPF program of
// type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. This file compiles the OCI rule list
// into such a program (pure), and loads and attaches it with bpf(2), replacing the program an
// earlier set() attached.
import { SkiffError } from "../errors.js";
import { close, O_DIRECTORY, O_RDONLY, open, sys } from "../linux/libc.js";
import type { DeviceCgroupRule } from "../spec/types.js";

// Kernel ABI numbers (include/uapi/linux/bpf.h); bpf(2)'s syscall number differs per architecture.
const SYS_BPF_BY_ARCH: Partial<Record<NodeJS.Architecture, number>> = { x64: 321, arm64: 280 };
const BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_GET_FD_BY_ID = 13, BPF_PROG_QUERY = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
const DEV_BLOCK = 1, DEV_CHAR = 2; // bpf_cgroup_dev_ctx.access_type, low 16 bits
const ACC_MKNOD = 1, ACC_READ = 2, ACC_WRITE = 4; // high 16 bits

// The instructions used, as opcode bytes.
const LDX_W = 0x61, ALU32_AND_K = 0x54, ALU32_RSH_K = 0x74, ALU32_MOV_K = 0xb4, ALU32_MOV_X = 0xbc;
const JNE_K = 0x55, JNE_X = 0x5d, JEQ_K = 0x15, EXIT = 0x95;

interface Insn {
  op: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}
const insn = (op: number, dst: number, src: number, off: number, imm: number): Insn => ({ op, dst, src, off, imm });

function accessMask(access: string | undefined): number {
  let mask = 0;
  for (const ch of access ?? "rwm") mask |= ch === "r" ? ACC_READ : ch === "w" ? ACC_WRITE : ch === "m" ? ACC_MKNOD : 0;
  return mask;
}

const ALL_ACCESS = ACC_MKNOD | ACC_READ | ACC_WRITE;
const isWildcard = (n: number | undefined) => n === undefined || n < 0;

/** A rule that matches every device and access: it sets the default and voids the rules before it. */
function isCatchAll(r: DeviceCgroupRule): boolean {
  return (r.type === undefined || r.type === "a") && isWildcard(r.major) && isWildcard(r.minor) && accessMask(r.access) === ALL_ACCESS;
}

/**
 * The program for an OCI device list, with v1's meaning: a fresh cgroup allows everything, a
 * catch-all rule resets the default, and among the later rules the last match wins. An allow
 * rule matches when all the requested access is in its letters, a deny rule when any is.
 * Returns the raw instructions (8 bytes each).
 */
export function compileDeviceProgram(rules: DeviceCgroupRule[]): Buffer {
  let start = 0;
  let defaultAllow = true;
  rules.forEach((r, i) => {
    if (isCatchAll(r)) {
      start = i + 1;
      defaultAllow = r.allow;
    }
  });
  // r1 = ctx; r2 = device type, r3 = requested access, r4 = major, r5 = minor.
  const prog: Insn[] = [
    insn(LDX_W, 2, 1, 0, 0),
    insn(ALU32_AND_K, 2, 0, 0, 0xffff),
    insn(LDX_W, 3, 1, 0, 0),
    insn(ALU32_RSH_K, 3, 0, 0, 16),
    insn(LDX_W, 4, 1, 4, 0),
    insn(LDX_W, 5, 1, 8, 0),
  ];
  // Last rule first: the first block that matches returns, so the last matching rule wins.
  for (const rule of rules.slice(start).reverse()) prog.push(...ruleBlock(rule));
  prog.push(insn(ALU32_MOV_K, 0, 0, 0, defaultAllow ? 1 : 0), insn(EXIT, 0, 0, 0, 0));
  const out = Buffer.alloc(prog.length * 8);
  prog.forEach((p, i) => {
    out.writeUInt8(p.op, i * 8);
    out.writeUInt8((p.src << 4) | p.dst, i * 8 + 1);
    out.writeInt16LE(p.off, i * 8 + 2);
    out.writeInt32LE(p.imm, i * 8 + 4);
  });
  return out;
}

// One rule: tests that jump past the block when they fail, then "return allow/deny".
function ruleBlock(rule: DeviceCgroupRule): Insn[] {
  const tests: Insn[] = []; // their `off` is set below, once the block's length is known
  if (rule.type === "c" || rule.type === "b") tests.push(insn(JNE_K, 2, 0, 0, rule.type === "c" ? DEV_CHAR : DEV_BLOCK));
  const mask = accessMask(rule.access);
  if (mask !== ALL_ACCESS) {
    tests.push(insn(ALU32_MOV_X, 1, 3, 0, 0), insn(ALU32_AND_K, 1, 0, 0, mask));
    tests.push(rule.allow ? insn(JNE_X, 1, 3, 0, 0) : insn(JEQ_K, 1, 0, 0, 0));
  }
  if (!isWildcard(rule.major)) tests.push(insn(JNE_K, 4, 0, 0, rule.major!));
  if (!isWildcard(rule.minor)) tests.push(insn(JNE_K, 5, 0, 0, rule.minor!));
  const block = [...tests, insn(ALU32_MOV_K, 0, 0, 0, rule.allow ? 1 : 0), insn(EXIT, 0, 0, 0, 0)];
  return block.map((p, i) => (p.op === JNE_K || p.op === JNE_X || p.op === JEQ_K ? { ...p, off: block.length - (i + 1) } : p));
}

function bpf(cmd: number, attr: Buffer, what: string): number {
  const nr = SYS_BPF_BY_ARCH[process.arch];
  if (nr === undefined) throw new SkiffError("Internal", `${what}: bpf(2) is not wired for ${process.arch}`);
  return sys("syscall", ["i64", "i64", "buffer", "i64"], [nr, cmd, attr, attr.length], what, "i64");
}

// The address of a Buffer's memory as C sees it: memcpy returns its destination. Both FFI
// back-ends pass Buffers without copying, so the address holds while `buf` is alive.
function addressOf(buf: Buffer): number {
  return sys("memcpy", ["buffer", "buffer", "i64"], [buf, buf, 0], "memcpy", "i64");
}

function loadProgram(insns: Buffer): number {
  const license = Buffer.from("Apache\0");
  const logBuf = Buffer.alloc(64 * 1024);
  const attr = (logLevel: number) => {
    const a = Buffer.alloc(128);
    a.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0);
    a.writeUInt32LE(insns.length / 8, 4);
    a.writeBigUInt64LE(BigInt(addressOf(insns)), 8);
    a.writeBigUInt64LE(BigInt(addressOf(license)), 16);
    a.writeUInt32LE(logLevel, 24);
    if (logLevel > 0) {
      a.writeUInt32LE(logBuf.length, 28);
      a.writeBigUInt64LE(BigInt(addressOf(logBuf)), 32);
    }
    a.writeUInt32LE(BPF_CGROUP_DEVICE, 68); // expected_attach_type
    return a;
  };
  try {
    return bpf(BPF_PROG_LOAD, attr(0), "bpf(BPF_PROG_LOAD) of the device program");
  } catch (e) {
    if (!(e instanceof SkiffError) || e.errno !== 22) throw e;
    // The verifier said no: run it again with its log, for a message that says why.
    try {
      bpf(BPF_PROG_LOAD, attr(1), "bpf(BPF_PROG_LOAD) of the device program");
    } catch {
      // expected: the same refusal, now with the log filled in
    }
    const log = logBuf.toString("utf8", 0, Math.max(0, logBuf.indexOf(0))).trim().split("\n").slice(-3).join(" | ");
    throw new SkiffError("Internal", `${e.message}: the kernel's verifier refused it: ${log}`, e.errno);
  }
}

/** Ids of the device programs attached to the cgroup open at `cgroupFd`. */
function attachedPrograms(cgroupFd: number): number[] {
  const ids = Buffer.alloc(4 * 64);
  const a = Buffer.alloc(40);
  a.writeUInt32LE(cgroupFd, 0);
  a.writeUInt32LE(BPF_CGROUP_DEVICE, 4);
  a.writeBigUInt64LE(BigInt(addressOf(ids)), 16);
  a.writeUInt32LE(64, 24);
  bpf(BPF_PROG_QUERY, a, "bpf(BPF_PROG_QUERY) of the cgroup's device programs");
  const count = a.readUInt32LE(24);
  return Array.from({ length: count }, (_, i) => ids.readUInt32LE(i * 4));
}

function attachAttr(cgroupFd: number, progFd: number, flags: number): Buffer {
  const a = Buffer.alloc(20);
  a.writeUInt32LE(cgroupFd, 0);
  a.writeUInt32LE(progFd, 4);
  a.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
  a.writeUInt32LE(flags, 12);
  return a;
}

/**
 * Loads the program for `rules` and attaches it to the cgroup at `dir`, then detaches whatever
 * device programs were there before (attached side by side, all must allow an access, so the old
 * ones would still deny what the new list allows). The new one is attached first: the container
 * is never left without a device policy.
 */
export function attachDeviceProgram(dir: string, rules: DeviceCgroupRule[], field: string): void {
  const cgroupFd = open(dir, O_RDONLY | O_DIRECTORY);
  let progFd: number | undefined;
  try {
    const before = attachedPrograms(cgroupFd);
    progFd = loadProgram(compileDeviceProgram(rules));
    bpf(BPF_PROG_ATTACH, attachAttr(cgroupFd, progFd, BPF_F_ALLOW_MULTI), `${field}: attaching the device program to ${dir}`);
    for (const id of before) {
      const idAttr = Buffer.alloc(12);
      idAttr.writeUInt32LE(id, 0);
      const oldFd = bpf(BPF_PROG_GET_FD_BY_ID, idAttr, `${field}: opening device program ${id}`);
      try {
        bpf(BPF_PROG_DETACH, attachAttr(cgroupFd, oldFd, 0), `${field}: detaching device program ${id} from ${dir}`);
      } finally {
        close(oldFd);
      }
    }
  } finally {
    if (progFd !== undefined) close(progFd); // the attachment keeps the program alive
    close(cgroupFd);
  }
}

/** How many device programs are attached to the cgroup at `dir` (for tests and diagnostics). */
export function deviceProgramCount(dir: string): number {
  const fd = open(dir, O_RDONLY | O_DIRECTORY);
  try {
    return attachedPrograms(fd).length;
  } finally {
    close(fd);
  }
}
