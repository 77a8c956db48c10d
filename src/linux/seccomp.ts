// linux.seccomp → a raw classic-BPF program, built with libseccomp (libseccomp.so.2) through
// the platform's FFI in the parent (Bun's native FFI in dist/skiff: no addon to extract into a
// temporary directory, which a cache miss once needed). The executor loads the bytes with
// seccomp(2) just before execve, so nothing here touches the calling process: the filter is
// exported, never loaded. Loaded only when a filter is not in the cache (seccomp-cache.ts).
import { SkiffError } from "../errors.js";
import { log } from "../log.js";
import type { ArgType, ArgValue } from "../platform/ffi.js";
import { platform } from "../platform/index.js";
import type { Seccomp, SeccompAction, SeccompArch, SeccompFlag, SeccompOperator, SeccompSyscall } from "../spec/types.js";
import { EEXIST, errnoName } from "./errno.js";
import { close, memfdCreate, MFD_CLOEXEC, read, sys } from "./libc.js";
import { libseccompVersion } from "./seccomp-cache.js";
import { enosysPrologue } from "./seccomp-enosys.js";

export interface CompiledSeccomp {
  /** struct sock_filter[] (8 bytes each), ready for seccomp(SECCOMP_SET_MODE_FILTER). */
  bpf: Buffer;
  /** SECCOMP_FILTER_FLAG_* bits to OR together for seccomp(2). */
  flags: number[];
  /** A rule uses SCMP_ACT_NOTIFY: the load returns a listener fd to send to listenerPath. */
  notify: boolean;
  listenerPath?: string;
  listenerMetadata?: string;
}

/** linux/seccomp.h */
export const SECCOMP_FILTER_FLAG = {
  TSYNC: 1,
  LOG: 2,
  SPEC_ALLOW: 4,
  NEW_LISTENER: 8,
  TSYNC_ESRCH: 16,
  WAIT_KILLABLE_RECV: 32,
} as const;

// The tables below cover every name the schema allows (spec/types.ts): spec/ refused any other,
// so a lookup cannot miss.
const SPEC_FLAGS: Record<SeccompFlag, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: SECCOMP_FILTER_FLAG.TSYNC,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG.LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG.SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV,
};

// seccomp.h action values; ERRNO and TRACE carry a 16-bit datum in the low bits.
const ACT_ERRNO = 0x00050000;
const ACT_TRACE = 0x7ff00000;
const ACT_NOTIFY = 0x7fc00000;
const ACTIONS: Record<SeccompAction, number> = {
  SCMP_ACT_KILL: 0x00000000, // = KILL_THREAD, as in seccomp.h
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: ACT_ERRNO,
  SCMP_ACT_TRACE: ACT_TRACE,
  SCMP_ACT_NOTIFY: ACT_NOTIFY,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
};
const EPERM = 1;

const OPERATORS: Record<SeccompOperator, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

const SCMP_FLTATR_CTL_OPTIMIZE = 8;
const BPF_MAXINSNS = 4096; // linux/bpf_common.h: seccomp(2) refuses longer programs with EINVAL
const NR_SCMP_ERROR = -1;

/**
 * A libseccomp call. Its functions return a negative errno, not -1 and errno, so the value is all
 * there is. The platform's FFI knows int, long, strings and buffers: the filter context is a
 * pointer (a long; user addresses fit a double exactly), an unsigned int argument is passed as
 * its int bit pattern (`| 0`), and an unsigned int result is read back with `>>> 0`.
 */
function call(funcName: string, ret: "i32" | "i64", types: ArgType[], values: ArgValue[]): number {
  return platform().ffi().call(funcName, ret, types, values, "libseccomp.so.2").value;
}
const u32 = (value: number) => value | 0;
const SEEK_SET = 0, SEEK_END = 2;
type Context = number; // scmp_filter_ctx, a pointer

/**
 * The libseccomp action value for a spec action. spec/ allowed errnoRet only on ERRNO (up to
 * 4094, libseccomp's limit) and TRACE (up to 65535): the datum their low 16 bits carry.
 */
function actionValue(action: SeccompAction, errnoRet: number | undefined): number {
  if (action === "SCMP_ACT_ERRNO" || action === "SCMP_ACT_TRACE") return (ACTIONS[action] | (errnoRet ?? EPERM)) >>> 0;
  return ACTIONS[action];
}

interface Condition {
  arg: number;
  op: number;
  datumA: bigint;
  datumB: bigint;
}

// spec/ has the index within 0..5 and the values integers below 2^64.
function conditions(rule: SeccompSyscall): Condition[] {
  return (rule.args ?? []).map((a) => ({ arg: a.index, op: OPERATORS[a.op], datumA: BigInt(a.value), datumB: BigInt(a.valueTwo ?? 0) }));
}

/** struct scmp_arg_cmp[]: { unsigned arg; enum op; u64 datum_a; u64 datum_b } = 24 bytes each. */
function encodeConditions(conds: Condition[]): Buffer {
  const buf = Buffer.alloc(Math.max(conds.length, 1) * 24);
  conds.forEach((c, i) => {
    buf.writeUInt32LE(c.arg, i * 24);
    buf.writeUInt32LE(c.op, i * 24 + 4);
    buf.writeBigUInt64LE(c.datumA, i * 24 + 8);
    buf.writeBigUInt64LE(c.datumB, i * 24 + 16);
  });
  return buf;
}

/**
 * As runc does: when one argument index appears in several conditions, libseccomp would AND
 * them on one argument (usually unsatisfiable), so each condition becomes a rule of its own
 * (OR). Otherwise all conditions form one rule.
 */
function ruleConditionSets(conds: Condition[]): Condition[][] {
  const indexes = new Set(conds.map((c) => c.arg));
  return indexes.size < conds.length ? conds.map((c) => [c]) : [conds];
}

/** Adds the architectures to the filter; returns the tokens of all its architectures, native first. */
function addArchitectures(ctx: Context, architectures: SeccompArch[]): number[] {
  const tokens = [call("seccomp_arch_native", "i32", [], []) >>> 0];
  for (const name of architectures) {
    const token = call("seccomp_arch_resolve_name", "i32", ["string"], [name.slice("SCMP_ARCH_".length).toLowerCase()]) >>> 0;
    // Host-dependent, so not spec/'s: libseccomp 2.5.4 lacks a few of the spec's architectures
    // (loongarch64, m68k, sh). Skipping one is safe: syscalls of an architecture absent from the
    // filter hit the bad-architecture action (kill), never the allow path.
    if (token === 0) {
      log("debug", `seccomp architecture ${name} is unknown to libseccomp ${libseccompVersion()}: skipped`);
      continue;
    }
    const rc = call("seccomp_arch_add", "i32", ["i64", "i32"], [ctx, u32(token)]);
    if (rc < 0 && rc !== -EEXIST) throw libseccompError(`seccomp_arch_add ${name}`, rc);
    if (!tokens.includes(token)) tokens.push(token);
  }
  return tokens;
}

/** Per architecture token, the highest syscall number any rule of the profile names there. */
function highestNamedSyscalls(tokens: number[], names: Set<string>): Map<number, number> {
  const highest = new Map<number, number>();
  for (const token of tokens) {
    for (const name of names) {
      // Negative: unknown, or a pseudo-number for a syscall this architecture lacks.
      const nr = call("seccomp_syscall_resolve_name_arch", "i32", ["i32", "string"], [u32(token), name]);
      if (nr >= 0 && nr > (highest.get(token) ?? -1)) highest.set(token, nr);
    }
  }
  return highest;
}

function libseccompError(what: string, rc: number): SkiffError {
  return new SkiffError("Internal", `${what}: ${errnoName(-rc)}`, -rc);
}

/**
 * The profile in libseccomp's numbers. spec/ has refused what the kernel or libseccomp would
 * (unknown names, errno on actions without one, NOTIFY as the default, without a listener or on
 * the executor's own syscalls), so only libseccomp's own failures remain for compileSeccomp.
 */
function toNumbers(s: Seccomp): { defaultAction: number; rules: { names: string[]; action: number; conds: Condition[] }[]; flags: number[] } {
  return {
    defaultAction: actionValue(s.defaultAction, s.defaultErrnoRet),
    rules: (s.syscalls ?? []).map((rule) => ({ names: rule.names, action: actionValue(rule.action, rule.errnoRet), conds: conditions(rule) })),
    flags: (s.flags ?? []).map((name) => SPEC_FLAGS[name]),
  };
}

/** The filter as libseccomp exports it: written into a memfd, read back from its start. */
function exportBpf(ctx: Context): Buffer {
  const fd = memfdCreate("skiff-seccomp", MFD_CLOEXEC);
  try {
    const rc = call("seccomp_export_bpf", "i32", ["i64", "i32"], [ctx, fd]);
    if (rc < 0) throw libseccompError("seccomp_export_bpf", rc);
    const seek = (whence: number) => sys("lseek", ["i32", "i64", "i32"], [fd, 0, whence], "lseek", "i64");
    const bpf = Buffer.alloc(seek(SEEK_END));
    seek(SEEK_SET);
    for (let at = 0; at < bpf.length; ) {
      const n = read(fd, bpf.subarray(at));
      if (n === 0) throw new SkiffError("Internal", "seccomp_export_bpf: the filter was cut short");
      at += n;
    }
    return bpf;
  } finally {
    close(fd);
  }
}

/**
 * Defaults that need no ENOSYS prologue (runc's reasoning): ALLOW and LOG let unknown syscalls
 * reach the kernel, which answers ENOSYS itself, and a tracer handles new syscalls on its own.
 */
function allowLike(action: number): boolean {
  return action === ACTIONS.SCMP_ACT_ALLOW || action === ACTIONS.SCMP_ACT_LOG || ((action & 0xffff0000) >>> 0) === ACT_TRACE;
}

/** Builds the BPF program of a linux.seccomp that spec/ accepted. */
export function compileSeccomp(s: Seccomp): CompiledSeccomp {
  const { defaultAction, rules, flags } = toNumbers(s);
  const ctx = call("seccomp_init", "i64", ["i32"], [u32(defaultAction)]);
  if (ctx === 0) throw new SkiffError("Internal", "seccomp_init failed");
  try {
    const tokens = addArchitectures(ctx, s.architectures ?? []);
    // runc's choice: a binary tree of syscalls beats a linear list once profiles grow.
    if (rules.length > 32) {
      const rc = call("seccomp_attr_set", "i32", ["i64", "i32", "i32"], [ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2]);
      if (rc < 0) log("debug", `seccomp binary tree optimization not available: ${errnoName(-rc)}`);
    }
    for (const rule of rules) {
      // libseccomp refuses a rule whose action is the default one (EACCES); it is a no-op anyway.
      if (rule.action === defaultAction) continue;
      for (const name of rule.names) addRule(ctx, name, rule.action, rule.conds);
    }
    const bpf = allowLike(defaultAction)
      ? exportBpf(ctx)
      : Buffer.concat([enosysPrologue(highestNamedSyscalls(tokens, new Set(rules.flatMap((r) => r.names)))), exportBpf(ctx)]);
    // Not spec/'s: the length depends on libseccomp's version and the host's architectures.
    if (bpf.length / 8 > BPF_MAXINSNS) {
      throw new SkiffError("InvalidConfig", `config.json: /linux/seccomp: the filter compiles to ${bpf.length / 8} BPF instructions, more than the kernel's limit of ${BPF_MAXINSNS}`);
    }
    const notify = rules.some((r) => r.action === ACT_NOTIFY);
    return { bpf, flags: loadFlags(flags, notify), notify, listenerPath: s.listenerPath, listenerMetadata: s.listenerMetadata };
  } finally {
    call("seccomp_release", "i32", ["i64"], [ctx]); // void: the value is meaningless
  }
}

function addRule(ctx: Context, name: string, action: number, conds: Condition[]): void {
  const nr = call("seccomp_syscall_resolve_name", "i32", ["string"], [name]);
  if (nr === NR_SCMP_ERROR) {
    // A name newer than this libseccomp (or a typo): runc skips it. The default action still
    // applies to that syscall, so skipping never opens the filter.
    log("debug", `unknown seccomp syscall ${JSON.stringify(name)} ignored`);
    return;
  }
  for (const set of ruleConditionSets(conds)) {
    const rc = call("seccomp_rule_add_array", "i32", ["i64", "i32", "i32", "i32", "buffer"], [ctx, u32(action), nr, set.length, encodeConditions(set)]);
    if (rc < 0) throw libseccompError(`seccomp rule for syscall ${name}`, rc);
  }
}

/**
 * The seccomp(2) flags for the executor. A NOTIFY filter needs NEW_LISTENER, and with TSYNC
 * also TSYNC_ESRCH (the kernel refuses TSYNC|NEW_LISTENER alone). WAIT_KILLABLE_RECV only has a
 * meaning for a listener and the kernel rejects it without one, so it is dropped then.
 */
function loadFlags(requested: number[], notify: boolean): number[] {
  const flags = new Set(requested);
  if (notify) {
    flags.add(SECCOMP_FILTER_FLAG.NEW_LISTENER);
    if (flags.has(SECCOMP_FILTER_FLAG.TSYNC)) flags.add(SECCOMP_FILTER_FLAG.TSYNC_ESRCH);
  } else if (flags.delete(SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV)) {
    log("debug", "seccomp flag SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no SCMP_ACT_NOTIFY rule");
  }
  return [...flags].sort((a, b) => a - b);
}
