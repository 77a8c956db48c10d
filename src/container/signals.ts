// `kill` signal arguments: names with or without SIG, or numbers (containerd sends numbers).
import { constants } from "node:os";
import { SkiffError } from "../errors.js";

const SIGNALS = constants.signals as Record<string, number>;

export function parseSignal(arg: string | number | undefined): number {
  if (arg === undefined || arg === "") return SIGNALS.SIGTERM;
  const text = String(arg).trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= 64) return n; // 0 probes that the processes exist (runc passes any number on)
    throw new SkiffError("InvalidArgument", `invalid signal: ${text}`);
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rt) {
    const off = Number(rt[1] ?? 0);
    const n = name.startsWith("SIGRTMIN") ? 34 + off : 64 - off;
    if (n >= 34 && n <= 64) return n;
  }
  if (name in SIGNALS) return SIGNALS[name];
  throw new SkiffError("InvalidArgument", `unknown signal "${text}"`);
}
