// process.scheduler, process.ioPriority and linux.personality in one container, as skiff-init
// hands them to the kernel (scheduler.ts, io-priority.ts and personality.ts encode them; their
// unit tests check the numbers), read back from inside: /proc/1/stat fields 19 (nice), 40
// (rt_priority) and 41 (policy), `ionice`, /proc/1/personality, `uname -m`.
import * as os from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import type { Spec } from "../spec/types.js";
import { hasCapability } from "../testing/host.js";
import { makeBundle, Runtime, uniqueId } from "../testing/harness.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

const READ = "cut -d' ' -f19,40,41 /proc/1/stat; ionice -p 1; cat /proc/1/personality; uname -m";
/** What uname says under LINUX32 where this test knows it. */
const MACHINE32: Record<string, string> = { x86_64: "i686", aarch64: "armv8l" };

function output(args: string[], edit: (c: Spec) => void): string[] {
  const b = makeBundle(args, edit);
  rt.trackDir(b.dir);
  const r = rt.skiff(["run", "--bundle", b.dir, uniqueId("kv")]);
  if (r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim().split("\n");
}

describe("scheduler, ioPriority and personality applied by skiff-init", () => {
  const machine32 = MACHINE32[os.machine()];
  it.skipIf(machine32 === undefined)(`SCHED_BATCH with nice and RESET_ON_FORK, best-effort level 4, LINUX32${machine32 ? "" : ` (skipped: LINUX32 on ${os.machine()} not known here)`}`, () => {
    const out = output(["sh", "-c", READ], (c) => {
      c.process!.scheduler = { policy: "SCHED_BATCH", nice: 7, flags: ["SCHED_FLAG_RESET_ON_FORK"] };
      c.process!.ioPriority = { class: "IOPRIO_CLASS_BE", priority: 4 };
      c.linux!.personality = { domain: "LINUX32" };
    });
    expect(out).toEqual(["7 0 3", "best-effort: prio 4", "00000008", machine32]);
  });

  it("SCHED_IDLE, idle I/O class, LINUX", () => {
    const out = output(["sh", "-c", READ], (c) => {
      c.process!.scheduler = { policy: "SCHED_IDLE" };
      c.process!.ioPriority = { class: "IOPRIO_CLASS_IDLE", priority: 0 };
      c.linux!.personality = { domain: "LINUX" };
    });
    expect(out).toEqual(["0 0 5", "idle", "00000000", os.machine()]);
  });

  // RESET_ON_FORK shows in a child: a negative nice goes back to 0 there (sched(7)). The child
  // reads its own stat, then the init (pid 1) its own.
  const NICE_OF_CHILD_AND_INIT = "cut -d' ' -f19 /proc/self/stat; cut -d' ' -f19 /proc/1/stat";
  it.skipIf(!hasCapability("CAP_SYS_NICE"))(`RESET_ON_FORK: a negative nice is the init's, not its children's${hasCapability("CAP_SYS_NICE") ? "" : " (skipped: no CAP_SYS_NICE here)"}`, () => {
    const nice = (flags: string[]) => output(["sh", "-c", NICE_OF_CHILD_AND_INIT], (c) => (c.process!.scheduler = { policy: "SCHED_OTHER", nice: -5, flags }));
    expect(nice(["SCHED_FLAG_RESET_ON_FORK"])).toEqual(["0", "-5"]);
    expect(nice([])).toEqual(["-5", "-5"]);
  });
});
