// The numbers scheduler.ts, io-priority.ts and personality.ts compute, handed to the real
// kernel by a small C program (as the executor will hand them), then read back.
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { describe, expect, it } from "vitest";
import { useCProgram } from "./c-program.testing.js";
import { ioPriorityValue } from "./io-priority.js";
import { personalityValue } from "./personality.js";
import { encodeSchedAttr, schedAttr } from "./scheduler.js";

// argv: SCHED_ATTR_HEX IOPRIO PERSONALITY. Prints what the kernel reports after applying them.
const SOURCE = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
int main(int argc, char **argv) {
  unsigned char attr[56], back[56];
  for (int i = 0; i < 56; i++) sscanf(argv[1] + 2 * i, "%2hhx", &attr[i]);
  if (syscall(SYS_sched_setattr, 0, attr, 0) != 0) { perror("sched_setattr"); return 1; }
  if (syscall(SYS_ioprio_set, 2 /* IOPRIO_WHO_PGRP */, 0, atoi(argv[2])) != 0) { perror("ioprio_set"); return 1; }
  if (personality(strtoul(argv[3], NULL, 0)) < 0) { perror("personality"); return 1; }
  memset(back, 0, sizeof back);
  if (syscall(SYS_sched_getattr, 0, back, sizeof back, 0) != 0) { perror("sched_getattr"); return 1; }
  struct utsname u;
  uname(&u);
  unsigned policy, prio; int nice; unsigned long long flags;
  memcpy(&policy, back + 4, 4); memcpy(&flags, back + 8, 8); memcpy(&nice, back + 16, 4); memcpy(&prio, back + 20, 4);
  printf("policy=%u flags=%llu nice=%d priority=%u ioprio=%ld machine=%s\n", policy, flags, nice, prio,
         syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0), u.machine);
  return 0;
}
`;

describe("scheduler, ioPriority and personality values in a real process", () => {
  const program = useCProgram("kernel-values", SOURCE);

  function apply(attr: Buffer, ioprio: number, persona: number): string {
    // setsid: ioprio_set applies to the process group, which must be the helper's own.
    return execFileSync("setsid", ["--wait", program.path, attr.toString("hex"), String(ioprio), String(persona)], { encoding: "utf8" }).trim();
  }

  it("SCHED_BATCH with nice and RESET_ON_FORK, best-effort level 4, LINUX32", () => {
    const attr = encodeSchedAttr(schedAttr({ policy: "SCHED_BATCH", nice: 7, flags: ["SCHED_FLAG_RESET_ON_FORK"] })!);
    const ioprio = ioPriorityValue({ class: "IOPRIO_CLASS_BE", priority: 4 })!;
    const persona = personalityValue({ domain: "LINUX32" })!;
    expect(apply(attr, ioprio, persona)).toBe(`policy=3 flags=1 nice=7 priority=0 ioprio=${0x4004} machine=i686`);
  });

  it("SCHED_IDLE, idle I/O class, LINUX", () => {
    const attr = encodeSchedAttr(schedAttr({ policy: "SCHED_IDLE" })!);
    const ioprio = ioPriorityValue({ class: "IOPRIO_CLASS_IDLE", priority: 0 })!;
    expect(apply(attr, ioprio, personalityValue({ domain: "LINUX" })!)).toBe(`policy=5 flags=0 nice=0 priority=0 ioprio=${0x6000} machine=${os.machine()}`);
  });
});
