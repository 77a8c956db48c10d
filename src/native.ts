// Starts skiff-init (native/) and talks to it: the plan goes in over the sync
// socket, messages (pid, id-map requests, sync points, ready, errors, exit status) come back.
import * as fs from "node:fs";
import { writeAll } from "./linux/io.js";
import { F_ADD_SEALS, F_DUPFD_CLOEXEC, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE, fcntl, memfdCreate, MFD_ALLOW_SEALING, MFD_CLOEXEC, socketpair } from "./linux/libc.js";
import { trace } from "./log.js";
import { encodePlan, type Plan } from "./plan/plan.js";
import { ACK_FAIL, ACK_OK, Msg, PLAN_MAGIC } from "./plan/protocol.js";
import { platform, type Spawned } from "./platform/index.js";

export interface InitMessage {
  type: Msg;
  a: number;
  b: number;
  text: string;
}

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
export function spawnHelper(initBinary: Buffer, stdio: number[], extra: number[] = []): Helper {
  const written = memfdCreate("skiff-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  const [ours, theirs] = socketpair();
  let memfd: number | undefined;
  try {
    fs.writeSync(written, initBinary);
    fcntl(written, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
    // The child execs /proc/self/fd/<memfd> after its fds 0..n are in place: the memfd must
    // sit above them or it is overwritten first (EACCES).
    memfd = fcntl(written, F_DUPFD_CLOEXEC, stdio.length + 1 + extra.length);
    const syncFdInChild = stdio.length;
    const child = platform().spawn(`/proc/self/fd/${memfd}`, [String(syncFdInChild)], { argv0: "skiff-init", stdio: [...stdio, theirs, ...extra] });
    trace("helper %d started", child.pid);
    return { pid: child.pid, sock: ours, child };
  } catch (e) {
    fs.closeSync(ours);
    throw e;
  } finally {
    fs.closeSync(theirs);
    fs.closeSync(written);
    if (memfd !== undefined) fs.closeSync(memfd);
  }
}

export function sendPlan(sock: number, plan: Plan): void {
  const body = encodePlan(plan);
  const hdr = Buffer.alloc(8);
  hdr.writeUInt32LE(PLAN_MAGIC, 0);
  hdr.writeUInt32LE(body.length, 4);
  writeAll(sock, Buffer.concat([hdr, body]));
}

/** Answers a MSG_MAPS or MSG_SYNC; `documents` are kept by the init for later steps. */
export function ack(sock: number, ok: boolean, documents: string[] = []): void {
  const parts = [u32(ok ? ACK_OK : ACK_FAIL), u32(documents.length)];
  for (const d of documents) {
    const bytes = Buffer.from(d);
    parts.push(u32(bytes.length), bytes);
  }
  writeAll(sock, Buffer.concat(parts));
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

function readExact(fd: number, len: number): Buffer | undefined {
  const buf = Buffer.alloc(len);
  let off = 0;
  while (off < len) {
    const n = fs.readSync(fd, buf, off, len - off, null);
    if (n === 0) return undefined;
    off += n;
  }
  return buf;
}

/** struct msg of native/protocol.h: type, a, b, text length; the text follows. */
const HEADER_BYTES = 16;
const textLength = (hdr: Buffer) => hdr.readUInt32LE(12);

function messageOf(hdr: Buffer, text: Buffer | undefined): InitMessage {
  return { type: hdr.readUInt32LE(0), a: hdr.readInt32LE(4), b: hdr.readInt32LE(8), text: text?.toString() ?? "" };
}

/** The next message, or undefined when the helper and init have both closed the socket. */
export function readMessage(sock: number): InitMessage | undefined {
  const hdr = readExact(sock, HEADER_BYTES);
  if (!hdr) return undefined;
  const len = textLength(hdr);
  return messageOf(hdr, len ? readExact(sock, len) : undefined);
}

/** Like readMessage, without blocking the event loop (signals can be forwarded meanwhile). */
export function readMessageAsync(sock: number): Promise<InitMessage | undefined> {
  const read = (len: number) =>
    new Promise<Buffer | undefined>((resolve, reject) => {
      const buf = Buffer.alloc(len);
      const more = (off: number): void => {
        if (off === len) return resolve(buf);
        fs.read(sock, buf, off, len - off, null, (err, n) => {
          if (err) return (err as NodeJS.ErrnoException).code === "EINTR" ? more(off) : reject(err);
          if (n === 0) return resolve(undefined);
          more(off + n);
        });
      };
      more(0);
    });
  return read(HEADER_BYTES).then(async (hdr) => {
    if (!hdr) return undefined;
    const len = textLength(hdr);
    return messageOf(hdr, len ? await read(len) : undefined);
  });
}
