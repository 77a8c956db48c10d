import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import linuxDefs from "../../schemas/defs-linux.json" with { type: "json" };
import type { Seccomp, SeccompAction, SeccompFlag, SeccompOperator } from "../spec/types.js";
import { seccompAgentMessage } from "../plan/seccomp-agent.js";
import { compileSeccomp, SECCOMP_FILTER_FLAG } from "./seccomp.js";
import { compileSeccompCached, libseccompVersion, seccompCacheKey } from "./seccomp-cache.js";

const EPERM = 1, ENOSYS = 38;

// The shape of the Docker/podman default profile: deny by default with EPERM, a long allow
// list, argument-conditioned rules (personality with several values on one argument, clone
// with a masked flag test), an ENOSYS rule and names this libseccomp does not know.
const ALLOWED = `accept accept4 access alarm bind brk capget capset chdir chmod chown clock_getres
clock_gettime clock_nanosleep close connect copy_file_range creat dup dup2 dup3 epoll_create
epoll_create1 epoll_ctl epoll_pwait epoll_wait eventfd eventfd2 execve execveat exit exit_group
faccessat faccessat2 fadvise64 fallocate fchdir fchmod fchmodat fchown fchownat fcntl fdatasync
fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstatfs fsync ftruncate futex
getcwd getdents getdents64 getegid geteuid getgid getgroups getitimer getpeername getpgid
getpgrp getpid getppid getpriority getrandom getresgid getresuid getrlimit getrusage getsid
getsockname getsockopt gettid gettimeofday getuid getxattr inotify_add_watch inotify_init1
inotify_rm_watch ioctl kill lchown lgetxattr link linkat listen listxattr llistxattr lseek
lstat madvise memfd_create mincore mkdir mkdirat mknod mknodat mlock mmap mprotect mremap
msync munlock munmap nanosleep newfstatat open openat openat2 pause pipe pipe2 poll ppoll
prctl pread64 preadv prlimit64 pselect6 pwrite64 pwritev read readahead readlink readlinkat
readv recvfrom recvmmsg recvmsg rename renameat renameat2 restart_syscall rmdir rseq
rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
rt_sigtimedwait sched_getaffinity sched_yield select sendfile sendmmsg sendmsg sendto
set_robust_list set_tid_address setgid setgroups setitimer setpgid setsid setsockopt setuid
shutdown sigaltstack socketpair splice stat statfs statx symlink symlinkat sync sysinfo tee
tgkill time timer_create timer_delete timerfd_create timerfd_settime times tkill truncate
umask uname unlink unlinkat utime utimensat utimes vfork wait4 waitid write writev
socketcall ipc`.split(/\s+/);

function defaultShapedProfile(): Seccomp {
  return {
    defaultAction: "SCMP_ACT_ERRNO",
    defaultErrnoRet: EPERM,
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    syscalls: [
      { names: [...ALLOWED, "landlock_create_ruleset_from_the_future"], action: "SCMP_ACT_ALLOW" },
      {
        names: ["personality"],
        action: "SCMP_ACT_ALLOW",
        args: [0, 8, 0x20000, 0x20008, 0xffffffff].map((value) => ({ index: 0, value, op: "SCMP_CMP_EQ" })),
      },
      { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }] },
      { names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 40, op: "SCMP_CMP_NE" }] },
      { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS },
    ],
  };
}

describe("compileSeccomp: BPF output", () => {
  it("compiles the default-profile shape into whole sock_filter instructions", () => {
    const c = compileSeccomp(defaultShapedProfile());
    expect(c.bpf.length).toBeGreaterThan(8 * 100);
    expect(c.bpf.length % 8).toBe(0);
    expect(c).toMatchObject({ flags: [], notify: false });
  });

  it("compiles every action, every operator and the flags", () => {
    const actions: SeccompAction[] = ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_LOG", "SCMP_ACT_ALLOW"];
    const ops: SeccompOperator[] = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT"];
    const c = compileSeccomp({
      defaultAction: "SCMP_ACT_TRACE",
      defaultErrnoRet: 7,
      flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
      syscalls: [
        ...actions.map((action, i) => ({ names: [["reboot", "swapon", "swapoff", "acct", "mount", "umount2"][i]], action })),
        ...ops.map((op, i) => ({ names: ["setpriority"], action: "SCMP_ACT_ERRNO" as const, errnoRet: 20 + i, args: [{ index: i, value: 3, op }] })),
        { names: ["kexec_load"], action: "SCMP_ACT_ERRNO" },
        { names: ["ptrace"], action: "SCMP_ACT_TRACE" },
      ],
    });
    expect(c.bpf.length % 8).toBe(0);
    expect(c.flags).toEqual([SECCOMP_FILTER_FLAG.TSYNC, SECCOMP_FILTER_FLAG.LOG, SECCOMP_FILTER_FLAG.SPEC_ALLOW]);
  });

  it("has a value for every action, operator and flag the schema allows (spec/ lets no other through)", () => {
    const l = linuxDefs.definitions;
    const actions = l.SeccompAction.enum.filter((a) => a !== "SCMP_ACT_ALLOW") as SeccompAction[];
    const syscalls = ["reboot", "swapon", "swapoff", "acct", "mount", "umount2", "kexec_load", "ptrace", "mknod"];
    const c = compileSeccomp({
      defaultAction: "SCMP_ACT_ALLOW",
      flags: l.SeccompFlag.enum as SeccompFlag[],
      listenerPath: "/run/agent.sock",
      syscalls: [
        ...actions.map((action, i) => ({ names: [syscalls[i]], action })),
        ...(l.SeccompOperator.enum as SeccompOperator[]).map((op, i) => ({ names: ["setpriority"], action: "SCMP_ACT_ERRNO" as const, args: [{ index: i % 6, value: 3, op }] })),
      ],
    });
    expect(c.bpf.length % 8).toBe(0);
    expect(c.flags).toHaveLength(l.SeccompFlag.enum.length + 2); // with NEW_LISTENER and TSYNC_ESRCH
    expect(c.flags.every((f) => Number.isInteger(f) && f > 0)).toBe(true);
  });

  it("asks for a listener for NOTIFY rules, with TSYNC_ESRCH beside TSYNC", () => {
    const c = compileSeccomp({
      defaultAction: "SCMP_ACT_ALLOW",
      listenerPath: "/run/agent.sock",
      listenerMetadata: "MKNOD=/dev/null",
      flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
      syscalls: [{ names: ["mknod", "mknodat"], action: "SCMP_ACT_NOTIFY" }],
    });
    expect(c).toMatchObject({ notify: true, listenerPath: "/run/agent.sock", listenerMetadata: "MKNOD=/dev/null" });
    const F = SECCOMP_FILTER_FLAG;
    expect(c.flags).toEqual([F.TSYNC, F.NEW_LISTENER, F.TSYNC_ESRCH, F.WAIT_KILLABLE_RECV]);
  });

  it("drops WAIT_KILLABLE_RECV when nothing notifies (the kernel rejects it without a listener)", () => {
    const c = compileSeccomp({ defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] });
    expect(c.flags).toEqual([]);
  });

  it("skips architectures the spec lists but this libseccomp lacks, and syscalls it does not know", () => {
    const withUnknown = compileSeccomp({
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_LOONGARCH64"],
      syscalls: [{ names: ["no_such_syscall", "mkdir"], action: "SCMP_ACT_ERRNO" }],
    });
    const without = compileSeccomp({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] });
    expect(withUnknown.bpf.equals(without.bpf)).toBe(true);
  });
  it("leaves allow-by-default filters without the ENOSYS prologue", () => {
    const deny: Seccomp["syscalls"] = [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }];
    const allow = compileSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: deny }).bpf;
    const log = compileSeccomp({ defaultAction: "SCMP_ACT_LOG", syscalls: deny }).bpf;
    expect(allow.length).toBe(log.length);
    // First instruction of a libseccomp program: load seccomp_data.arch (BPF_LD|BPF_W|BPF_ABS, k=4).
    expect([allow.readUInt16LE(0), allow.readUInt32LE(4)]).toEqual([0x20, 4]);
  });
});

// Every rule on names and numbers is spec/'s (semantic.test.ts, load.test.ts); what is left
// depends on what libseccomp makes of the profile.
// One rule per value of an argument: about one instruction each.
const TOO_LONG: Seccomp = {
  defaultAction: "SCMP_ACT_ALLOW",
  syscalls: [{ names: ["umask"], action: "SCMP_ACT_ERRNO", args: Array.from({ length: 5000 }, (_, value) => ({ index: 0, value, op: "SCMP_CMP_EQ" as const })) }],
};

describe("compileSeccomp: profiles libseccomp cannot fit", () => {
  it("refuses a program longer than the kernel accepts", () => {
    expect(() => compileSeccomp(TOO_LONG)).toThrowError(
      expect.objectContaining({ kind: "InvalidConfig", message: expect.stringMatching(/^config\.json: \/linux\/seccomp: the filter compiles to \d+ BPF instructions, more than the kernel's limit of 4096$/) }),
    );
  });

});

describe("seccompAgentMessage", () => {
  it("has the spec's container process state fields, metadata only when configured", () => {
    const state = { ociVersion: "1.2.1", id: "c1", status: "creating" as const, pid: 4422, bundle: "/b" };
    expect(JSON.parse(seccompAgentMessage("1.2.1", 4422, state, "MKNOD=/dev/null"))).toEqual({ ociVersion: "1.2.1", fds: ["seccompFd"], pid: 4422, metadata: "MKNOD=/dev/null", state });
    expect(JSON.parse(seccompAgentMessage("1.2.1", 4422, state))).not.toHaveProperty("metadata");
  });
});

describe("compileSeccompCached", () => {
  let cacheDir: string;
  beforeAll(() => (cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-seccomp-cache-"))));
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it("stores one file per profile and serves it back", async () => {
    const profile = defaultShapedProfile();
    const first = await compileSeccompCached(profile, cacheDir);
    expect(fs.readdirSync(cacheDir)).toEqual([`${seccompCacheKey(profile)}.json`]);
    const second = await compileSeccompCached(profile, cacheDir);
    expect(second).toEqual(first);
    expect(second.bpf.equals(compileSeccomp(profile).bpf)).toBe(true);
  });

  it("keys on content, not on key order, and includes the libseccomp version", () => {
    const a: Seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] };
    const b = JSON.parse('{"syscalls":[{"action":"SCMP_ACT_ERRNO","names":["mkdir"]}],"defaultAction":"SCMP_ACT_ALLOW"}') as Seccomp;
    expect(seccompCacheKey(a)).toBe(seccompCacheKey(b));
    expect(seccompCacheKey(a)).not.toBe(seccompCacheKey({ ...a, defaultAction: "SCMP_ACT_LOG" }));
    expect(libseccompVersion()).toMatch(/^2\.\d+\.\d+$/);
    // the loaded library's file says its version too, where it is named libseccomp.so.X.Y.Z
    const named = /libseccomp\.so\.(\d+\.\d+\.\d+)$/m.exec(fs.readFileSync("/proc/self/maps", "utf8"));
    if (named) expect(libseccompVersion()).toBe(named[1]);
  });

  it("recompiles over a corrupt cache file", async () => {
    const profile: Seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["rmdir"], action: "SCMP_ACT_ERRNO" }] };
    const file = path.join(cacheDir, `${seccompCacheKey(profile)}.json`);
    fs.writeFileSync(file, '{"bpf":"AAAA');
    const c = await compileSeccompCached(profile, cacheDir);
    expect(c.bpf.equals(compileSeccomp(profile).bpf)).toBe(true);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).bpf).toBe(c.bpf.toString("base64"));
  });

  it("never caches a profile that does not compile", async () => {
    await expect(compileSeccompCached(TOO_LONG, cacheDir)).rejects.toThrow("BPF instructions");
    expect(fs.existsSync(path.join(cacheDir, `${seccompCacheKey(TOO_LONG)}.json`))).toBe(false);
    expect(fs.readdirSync(cacheDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
