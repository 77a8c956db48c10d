// The sync socket to skiff-init, typed: each struct msg of native/protocol.h is decoded here, and
// only here, into a tagged union. A reported step failure becomes the step's error when read, so
// callers handle only what they wait for (expect, until) and what comes on the way.
import { SkiffError } from "../errors.js";
import { trace } from "../log.js";
import { writeAll } from "../linux/io.js";
import { read } from "../linux/libc.js";
import type { Plan } from "../plan/plan.js";
import { ACK_FAIL, ACK_OK, Msg } from "../plan/protocol.js";
import { stepError } from "./step-error.js";

export type InitEvent =
  | { type: "pid"; pid: number } // the init (or exec process) was forked
  | { type: "maps"; pid: number } // write the id maps of pid's new user namespace, then ack
  | { type: "sync"; tag: number } // an OP_SYNC point (SyncTag): act, then ack
  | { type: "ready" } // the container is created
  | { type: "exit"; waitStatus: number } // the process the helper waited for exited
  | { type: "error"; step: number; errno: number; text: string };

export type EventType = InitEvent["type"];
type EventOf<T extends EventType> = Extract<InitEvent, { type: T }>;

/** struct msg: u32 type, i32 a, i32 b, u32 text length; the text follows. */
const HEADER_BYTES = 16;

/** The one decoder of skiff-init's messages. */
export function decodeEvent(hdr: Buffer, text: string): InitEvent {
  const type = hdr.readUInt32LE(0);
  const a = hdr.readInt32LE(4);
  switch (type) {
    case Msg.PID:
      return { type: "pid", pid: a };
    case Msg.MAPS:
      return { type: "maps", pid: a };
    case Msg.SYNC:
      return { type: "sync", tag: a };
    case Msg.READY:
      return { type: "ready" };
    case Msg.EXIT:
      return { type: "exit", waitStatus: a };
    case Msg.ERROR:
      return { type: "error", step: a, errno: hdr.readInt32LE(8), text };
    default:
      throw new SkiffError("Internal", `skiff-init sent an unknown message type ${type}`);
  }
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
    const n = read(fd, buf.subarray(off));
    if (n === 0) return undefined;
    off += n;
  }
  return buf;
}

export class InitChannel {
  constructor(
    readonly sock: number,
    private readonly plan: Plan,
  ) {}

  /** The next message, or undefined once the helper and the init have both closed the socket. */
  read(): InitEvent | undefined {
    const hdr = readExact(this.sock, HEADER_BYTES);
    if (!hdr) return undefined;
    const len = hdr.readUInt32LE(12);
    return this.decoded(hdr, len ? readExact(this.sock, len) : undefined);
  }

  private decoded(hdr: Buffer, text: Buffer | undefined): InitEvent {
    const event = decodeEvent(hdr, text?.toString() ?? "");
    trace("init message %o", event);
    return event;
  }

  /** The next message that is not a failure (which is thrown as the step's error); `gone` names an early close. */
  next(gone: string): Exclude<InitEvent, { type: "error" }> {
    return this.checked(this.read(), gone);
  }

  private checked(event: InitEvent | undefined, gone: string): Exclude<InitEvent, { type: "error" }> {
    if (!event) throw new SkiffError("Internal", gone);
    if (event.type === "error") throw stepError(this.plan, event);
    return event;
  }

  /** The next message, which must be of `type`. */
  expect<T extends EventType>(type: T, gone: string): EventOf<T> {
    const event = this.next(gone);
    if (event.type !== type) throw new SkiffError("Internal", `skiff-init sent "${event.type}" where "${type}" was due`);
    return event as EventOf<T>;
  }

  /** Reads until a message of `type`, handing every other one to `on`. */
  until<T extends EventType>(type: T, gone: string, on: (event: InitEvent) => void = () => {}): EventOf<T> {
    for (;;) {
      const event = this.next(gone);
      if (event.type === type) return event as EventOf<T>;
      on(event);
    }
  }

  /** Reads until the socket closes (the process's copy closes at execve); a failure throws. */
  drain(): void {
    for (let event = this.read(); event; event = this.read()) this.checked(event, "");
  }

  /** Answers a "maps" or "sync"; `documents` are kept by the init for later steps. */
  ack(ok: boolean, documents: string[] = []): void {
    const parts = [u32(ok ? ACK_OK : ACK_FAIL), u32(documents.length)];
    for (const d of documents) {
      const bytes = Buffer.from(d);
      parts.push(u32(bytes.length), bytes);
    }
    writeAll(this.sock, Buffer.concat(parts));
  }
}
