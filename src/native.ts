// Starts skiff-init (native/) and sends it the plan over the sync socket; what comes back
// (pid, id-map requests, sync points, ready, errors, exit status) is read through
// src/container/channel.ts.
import { writeAll } from "./linux/io.js";
import { close, F_ADD_SEALS, F_DUPFD_CLOEXEC, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE, fcntl, memfdCreate, MFD_ALLOW_SEALING, MFD_CLOEXEC, socketpair } from "./linux/libc.js";
import { trace } from "./log.js";
import { encodePlan, type Plan } from "./plan/plan.js";
import { PLAN_MAGIC } from "./plan/protocol.js";
import { platform, type Spawned } from "./platform/index.js";

export interface Helper {
  /** pid of the helper process (the init's parent until it forks). */
  pid: number;
  /** our end of the sync socket */
  sock: number;
  child: Spawned;
}

/**
 * Runs skiff-init from a sealed memfd, so the container can never reach back and rewrite the
 * binary (runc's CVE-2019-5736), and nothing has to be installed next to skiff.
 * stdio: the fds that become the helper's 0, 1, 2 and the preserved 3..; `extra` fds follow the
 * sync socket (the console socket, for instance).
 */
export function spawnHelper(initBinary: Uint8Array, stdio: number[], extra: number[] = []): Helper {
  const written = memfdCreate("skiff-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  const [ours, theirs] = socketpair();
  let memfd: number | undefined;
  try {
    writeAll(written, initBinary);
    fcntl(written, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
    // The child execs /proc/self/fd/<memfd> after its fds 0..n are in place: the memfd must
    // sit above them or it is overwritten first (EACCES).
    memfd = fcntl(written, F_DUPFD_CLOEXEC, stdio.length + 1 + extra.length);
    const syncFdInChild = stdio.length;
    const child = platform().spawn(`/proc/self/fd/${memfd}`, [String(syncFdInChild)], { argv0: "skiff-init", stdio: [...stdio, theirs, ...extra] });
    trace("helper %d started", child.pid);
    return { pid: child.pid, sock: ours, child };
  } catch (e) {
    close(ours);
    throw e;
  } finally {
    close(theirs);
    close(written);
    if (memfd !== undefined) close(memfd);
  }
}

export function sendPlan(sock: number, plan: Plan): void {
  const body = encodePlan(plan);
  const hdr = Buffer.alloc(8);
  hdr.writeUInt32LE(PLAN_MAGIC, 0);
  hdr.writeUInt32LE(body.length, 4);
  writeAll(sock, Buffer.concat([hdr, body]));
}
