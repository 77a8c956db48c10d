// Who this process is, read once per command: every command may need it (the default state
// root, rootless mode, the state directory's mode), so it is kept apart from the fuller
// HostFacts (facts.ts) that only create and exec read.
import { readFileThroughLibc } from "../linux/io.js";

export interface Identity {
  euid: number;
  egid: number;
  /** /proc/self/uid_map says this process's user namespace maps less than the host's ids. */
  inUserNamespace: boolean;
}

/** The whole 32-bit id range mapped onto itself: the initial user namespace. */
const FULL_RANGE_MAP = /^\s*0\s+0\s+4294967295\s*$/;

let identity: Identity | undefined;

export function ownIdentity(): Identity {
  if (identity) return identity;
  let inUserNamespace: boolean | undefined;
  // Read on first use: with --root given, `state` and `list` never need it.
  const readUidMap = (): boolean => {
    let uidMap = "";
    try {
      uidMap = readFileThroughLibc("/proc/self/uid_map");
    } catch {
      // no /proc: assume the initial namespace
    }
    return uidMap !== "" && !FULL_RANGE_MAP.test(uidMap);
  };
  identity = {
    euid: process.geteuid?.() ?? 0,
    egid: process.getegid?.() ?? 0,
    get inUserNamespace() {
      return (inUserNamespace ??= readUidMap());
    },
  };
  return identity;
}
