// A classic-BPF prologue that makes syscalls newer than anything a profile names fail with
// ENOSYS instead of the profile's default (usually EPERM). Programs probe new syscalls and fall
// back only on ENOSYS (glibc's fchmodat2, clone3, ...), so a deny-by-default profile written
// before a syscall existed would otherwise break them. runc patches its filters the same way.
//
// The prologue only ever returns ENOSYS or falls through to the libseccomp program with the
// machine state it would have had at the start (A = 0), so it can never allow anything.

/** Kernel audit arch values (linux/audit.h) as seccomp_data.arch reports them. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** libseccomp's own token for x32, which the kernel reports as x86_64 with bit 30 in nr. */
export const SCMP_ARCH_X32 = 0x4000003e;
const X32_SYSCALL_BIT = 0x40000000;

const SECCOMP_RET_ERRNO = 0x00050000;
const ENOSYS = 38;
const OFFSET_NR = 0, OFFSET_ARCH = 4; // struct seccomp_data

// BPF opcodes (linux/bpf_common.h).
const LD_W_ABS = 0x20, LD_IMM = 0x00, JMP_JA = 0x05, JMP_JEQ_K = 0x15, JMP_JGT_K = 0x25, JMP_JSET_K = 0x45, RET_K = 0x06;

type Target = "enosys" | "continue" | number; // a label or an absolute index in the prologue

interface Insn {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
}

/**
 * `maxNr` maps each libseccomp arch token of the filter to the highest syscall number the
 * profile names on it (tokens with no known names are left out).
 */
export function enosysPrologue(maxNr: Map<number, number>): Buffer {
  const code: Insn[] = [{ code: LD_W_ABS, k: OFFSET_ARCH }];
  // Compares the number in A against the limit: above it, ENOSYS.
  const limit = (max: number | undefined): Insn => (max === undefined ? { code: JMP_JA, k: 0, jt: "continue" } : { code: JMP_JGT_K, k: max, jt: "enosys", jf: "continue" });

  const arches = new Map<number, { plain?: number; x32?: number; hasX32: boolean }>();
  for (const [token, max] of maxNr) {
    if (token === SCMP_ARCH_X32) {
      const entry = arches.get(AUDIT_ARCH_X86_64) ?? { hasX32: true };
      arches.set(AUDIT_ARCH_X86_64, { ...entry, x32: max, hasX32: true });
    } else {
      arches.set(token, { ...(arches.get(token) ?? { hasX32: false }), plain: max });
    }
  }
  for (const [arch, { plain, x32, hasX32 }] of arches) {
    const check = code.length;
    code.push({ code: JMP_JEQ_K, k: arch, jt: 0, jf: 0 /* patched below */ }, { code: LD_W_ABS, k: OFFSET_NR });
    if (arch === AUDIT_ARCH_X86_64) {
      // x32 calls arrive as x86_64 with bit 30 set; without x32 in the filter, libseccomp's
      // program rejects them itself.
      const jset = code.length;
      code.push({ code: JMP_JSET_K, k: X32_SYSCALL_BIT, jt: 0, jf: 0 }, limit(plain));
      code[jset].jt = code.length;
      code[jset].jf = jset + 1;
      code.push(hasX32 ? limit(x32) : { code: JMP_JA, k: 0, jt: "continue" });
    } else {
      code.push(limit(plain));
    }
    code[check].jt = check + 1;
    code[check].jf = code.length; // the next arch's check, or the final fall-through
  }
  code.push({ code: JMP_JA, k: 0, jt: "continue" });
  const enosys = code.length;
  code.push({ code: RET_K, k: SECCOMP_RET_ERRNO | ENOSYS });
  const resume = code.length;
  code.push({ code: LD_IMM, k: 0 }); // A = 0, as at the start of any seccomp program

  const labels = (t: Target): number => (t === "enosys" ? enosys : t === "continue" ? resume : t);
  const out = Buffer.alloc(code.length * 8);
  code.forEach((insn, pc) => {
    let { k } = insn;
    let jt = 0, jf = 0;
    if (insn.code === JMP_JA) k = labels(insn.jt!) - pc - 1;
    else if (insn.jt !== undefined) {
      jt = labels(insn.jt) - pc - 1;
      jf = labels(insn.jf!) - pc - 1;
      if (jt > 255 || jf > 255) throw new Error("seccomp ENOSYS prologue: jump out of range");
    }
    out.writeUInt16LE(insn.code, pc * 8);
    out.writeUInt8(jt, pc * 8 + 2);
    out.writeUInt8(jf, pc * 8 + 3);
    out.writeUInt32LE(k >>> 0, pc * 8 + 4);
  });
  return out;
}
