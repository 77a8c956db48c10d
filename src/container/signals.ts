// `kill` signal arguments: names with or without SIG, or numbers (containerd sends numbers).
import { SkiffError } from "../errors.js";

/**
 * Linux's signal numbers (the generic numbering x86-64 and arm64 share): os.constants.signals
 * has the same table, but loading node:os costs `kill` 0.2 ms (signals.test.ts compares them).
 */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7,
  SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14,
  SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21,
  SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28,
  SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};

export function parseSignal(arg: string | number | undefined): number {
  if (arg === undefined || arg === "") return SIGNALS.SIGTERM;
  const text = String(arg).trim();
  // No RegExp on the common path (containerd's numbers, plain names): a command's first one costs
  // ~0.3 ms (docs/architecture.md).
  if (isDecimal(text)) {
    const n = Number(text);
    if (n <= 64) return n; // 0 probes that the processes exist (runc passes any number on)
    throw new SkiffError("InvalidArgument", `invalid signal: ${text}`);
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  if (Object.hasOwn(SIGNALS, name)) return SIGNALS[name];
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rt) {
    const off = Number(rt[1] ?? 0);
    const n = name.startsWith("SIGRTMIN") ? 34 + off : 64 - off;
    if (n >= 34 && n <= 64) return n;
  }
  throw new SkiffError("InvalidArgument", `unknown signal "${text}"`);
}

function isDecimal(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
