// Unix sockets that carry file descriptors (SCM_RIGHTS): how a pty master comes back from the
// container (the console socket protocol, docs/exec-and-terminals.md). Node has no API for either, so the
// msghdr and its control message are laid out in Buffers and handed to libc (x86_64/aarch64
// LP64 layout).
import { SkiffError } from "../errors.js";
import { retryingEintr, sys } from "./libc.js";

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_CMSG_CLOEXEC = 0x40000000;
const MSG_CTRUNC = 0x8;
const SUN_PATH_MAX = 108;

// Buffers above V8's on-heap typed-array limit (64 bytes) live off the heap and never move, so
// their address stays valid between the call that reads it and the call that uses it.
const OFF_HEAP = 128;

/** The address of a Buffer's memory: memcpy(dst, src, 0) returns dst. */
function addressOf(buf: Buffer): number {
  return sys("memcpy", ["buffer", "buffer", "i64"], [buf, buf, 0], "memcpy", "i64");
}

export interface ReceivedFd {
  fd: number;
  /** the message text sent with it (the console socket protocol puts the pty's name there) */
  name: string;
}

/**
 * Receives one message carrying one fd (close-on-exec here). Undefined when the peer closed
 * the socket without sending; an error when a message came without an fd.
 */
export function recvFd(sock: number): ReceivedFd | undefined {
  const data = Buffer.alloc(4096);
  const control = Buffer.alloc(OFF_HEAP); // CMSG_SPACE(sizeof(int)) = 24 bytes used
  const iov = Buffer.alloc(OFF_HEAP);
  iov.writeBigUInt64LE(BigInt(addressOf(data)), 0);
  iov.writeBigUInt64LE(BigInt(data.length), 8);
  const hdr = Buffer.alloc(OFF_HEAP);
  // struct msghdr: name(8) namelen(4)+pad, iov(8) iovlen(8), control(8) controllen(8), flags(4)
  hdr.writeBigUInt64LE(BigInt(addressOf(iov)), 16);
  hdr.writeBigUInt64LE(1n, 24);
  hdr.writeBigUInt64LE(BigInt(addressOf(control)), 32);
  hdr.writeBigUInt64LE(24n, 40);
  const n = retryingEintr(() => sys("recvmsg", ["i32", "buffer", "i32"], [sock, hdr, MSG_CMSG_CLOEXEC], "recvmsg", "i64"));
  const controlLen = Number(hdr.readBigUInt64LE(40));
  // struct cmsghdr: len(8) level(4) type(4), then the fds
  const hasFd = controlLen >= 20 && control.readInt32LE(8) === SOL_SOCKET && control.readInt32LE(12) === SCM_RIGHTS;
  if (hasFd) return { fd: control.readInt32LE(16), name: data.subarray(0, n).toString() };
  if (n === 0) return undefined;
  const truncated = (hdr.readInt32LE(48) & MSG_CTRUNC) !== 0;
  throw new SkiffError("Internal", `received a message without a file descriptor${truncated ? " (control data truncated)" : ""}`);
}

function unixAddress(path: string): Buffer {
  if (Buffer.byteLength(path) >= SUN_PATH_MAX) throw new SkiffError("InvalidArgument", `unix socket path too long: ${path}`);
  const addr = Buffer.alloc(2 + SUN_PATH_MAX);
  addr.writeUInt16LE(AF_UNIX, 0);
  addr.write(path, 2);
  return addr;
}

/** A listening AF_UNIX stream socket bound to path (close-on-exec, blocking). */
export function listenUnix(path: string): number {
  const fd = sys("socket", ["i32", "i32", "i32"], [AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0], "socket");
  try {
    const addr = unixAddress(path);
    sys("bind", ["i32", "buffer", "i32"], [fd, addr, addr.length], `bind ${path}`);
    sys("listen", ["i32", "i32"], [fd, 1], `listen on ${path}`);
  } catch (e) {
    sys("close", ["i32"], [fd]);
    throw e;
  }
  return fd;
}

/** Accepts one connection (blocks until there is one); the new socket is close-on-exec. */
export function acceptUnix(listener: number): number {
  return retryingEintr(() => sys("accept4", ["i32", "i64", "i64", "i32"], [listener, 0, 0, SOCK_CLOEXEC], "accept"));
}
