// Foreground terminals: `skiff run`/`exec` with a terminal and no --console-socket. skiff is its
// own console socket: the container's init sends the pty master to one end of a socketpair,
// skiff takes it and relays between the user's terminal (raw mode) and the pty, forwards
// window-size changes, and restores the terminal whatever happens — runc's foreground mode.
import { SkiffError } from "../errors.js";
import { recvFd } from "../linux/fd-passing.js";
import { socketpair, sys } from "../linux/libc.js";
import { trace } from "../log.js";

const TIOCSWINSZ = 0x5414;
/** How long output may still drain after the process exits while something else holds the pty. */
const DRAIN_GRACE_MS = 200;

export interface OwnConsole {
  /** skiff's end: the pty master arrives here (receivePtyMaster) */
  ours: number;
  /** the end to give skiff-init as its console socket fd; close it once the helper has it */
  peer: number;
}

export function ownConsoleSocket(): OwnConsole {
  const [ours, peer] = socketpair();
  return { ours, peer };
}

/** Takes the pty master the init sent (it is already queued or about to be). */
export function receivePtyMaster(sock: number): number {
  const got = recvFd(sock);
  if (!got) throw new SkiffError("Internal", "the container closed the console socket without sending its terminal");
  trace("received pty master for %s", got.name);
  return got.fd;
}

/** The size of the terminal on stdout, as process.consoleSize wants it (so the pty starts right). */
export function terminalSize(): { height: number; width: number } | undefined {
  const out = process.stdout;
  return out.isTTY && out.rows && out.columns ? { height: out.rows, width: out.columns } : undefined;
}

// struct termios (glibc): c_iflag, c_oflag, c_cflag, c_lflag (u32 each), c_line, c_cc[32], speeds.
const TERMIOS_SIZE = 60;
const TCSANOW = 0;
const CC_OFFSET = 17;
const VTIME = 5, VMIN = 6;

/**
 * cfmakeraw on the terminal at fd, returning the undo. Not Node's setRawMode: libuv's raw mode
 * keeps output processing (ONLCR), which would turn the container's own "\n" (a cursor move in
 * full-screen programs) into "\r\n" a second time.
 */
function makeRaw(fd: number): () => void {
  const saved = Buffer.alloc(TERMIOS_SIZE);
  sys("tcgetattr", ["i32", "buffer"], [fd, saved], "read the terminal's settings");
  const raw = Buffer.from(saved);
  const clear = (offset: number, bits: number) => raw.writeUInt32LE((raw.readUInt32LE(offset) & ~bits) >>> 0, offset);
  clear(0, 0o1 | 0o2 | 0o10 | 0o40 | 0o100 | 0o200 | 0o400 | 0o2000); // IGNBRK BRKINT PARMRK ISTRIP INLCR IGNCR ICRNL IXON
  clear(4, 0o1); // OPOST
  clear(12, 0o10 | 0o100 | 0o2 | 0o1 | 0o100000); // ECHO ECHONL ICANON ISIG IEXTEN
  clear(8, 0o60 | 0o400); // CSIZE PARENB
  raw.writeUInt32LE(raw.readUInt32LE(8) | 0o60, 8); // CS8
  raw[CC_OFFSET + VMIN] = 1;
  raw[CC_OFFSET + VTIME] = 0;
  sys("tcsetattr", ["i32", "i32", "buffer"], [fd, TCSANOW, raw], "put the terminal in raw mode");
  return () => sys("tcsetattr", ["i32", "i32", "buffer"], [fd, TCSANOW, saved], "restore the terminal's settings");
}

function setWindowSize(master: number, rows: number, cols: number): void {
  const ws = Buffer.alloc(8); // struct winsize: rows, cols, xpixel, ypixel (u16 each)
  ws.writeUInt16LE(rows, 0);
  ws.writeUInt16LE(cols, 2);
  sys("ioctl", ["i32", "i64", "buffer"], [master, TIOCSWINSZ, ws], "set the terminal window size");
}

/**
 * Relays between this process's stdin/stdout and the pty `master` (which it takes over and
 * closes) until `exited` settles and the pty's output has drained; resolves to `exited`'s
 * value. With a terminal on stdin it is put in raw mode (keys such as ^C reach the container,
 * not skiff) and restored afterwards; with a terminal on stdout its size is copied to the pty
 * now and on every SIGWINCH (the caller also gives the plan terminalSize() as the console size,
 * so the process never sees the pty before it has a size).
 */
export async function relayTerminal(master: number, exited: Promise<number>): Promise<number> {
  const input = process.stdin;
  const output = process.stdout;
  // Loaded on use: node:tty (and the streams it pulls in) is costly for Bun to load at every `run`.
  const tty = process.getBuiltinModule("node:tty");
  // Each stream owns (and closes) its own fd.
  const fromPty = new tty.ReadStream(master);
  const toPty = new tty.WriteStream(sys("dup", ["i32"], [master], "dup the pty master"));
  let restoreTerminal: (() => void) | undefined;
  const resize = () => {
    const size = terminalSize();
    if (size) setWindowSize(master, size.height, size.width);
  };
  const feed = (chunk: Buffer) => toPty.write(chunk);
  // EIO (or end) from the master: every holder of the pty's other side has closed it.
  const ptyClosed = new Promise<void>((resolve) => {
    fromPty.on("error", () => resolve());
    fromPty.on("end", () => resolve());
  });
  fromPty.on("data", (chunk: Buffer) => output.write(chunk));
  try {
    resize();
    process.on("SIGWINCH", resize);
    if (input.isTTY) restoreTerminal = makeRaw(input.fd);
    input.on("data", feed);
    input.resume();
    const status = await exited;
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([ptyClosed, new Promise<void>((resolve) => (grace = setTimeout(resolve, DRAIN_GRACE_MS)))]);
    clearTimeout(grace);
    return status;
  } finally {
    process.off("SIGWINCH", resize);
    input.off("data", feed);
    restoreTerminal?.();
    input.pause();
    fromPty.destroy();
    toPty.destroy();
    // The caller exits as soon as this returns: what the container wrote must be out first.
    await new Promise((resolve) => output.write("", resolve));
  }
}
