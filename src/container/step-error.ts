// A failed plan step reported by skiff-init → one clear error naming what failed and why.
import { SkiffError, type ErrorKind } from "../errors.js";
import { EACCES, ENOENT, EPERM, errnoName } from "../linux/errno.js";
import type { InitEvent } from "./channel.js";
import type { Plan } from "../plan/plan.js";
import { Op } from "../plan/protocol.js";

export function stepError(plan: Plan, msg: Extract<InitEvent, { type: "error" }>): SkiffError {
  const s = plan.steps[msg.step];
  const errno = msg.errno;
  let kind: ErrorKind = "Syscall";
  if (s?.op === Op.RESOLVE_EXEC || s?.op === Op.EXEC) kind = errno === ENOENT ? "ExecNotFound" : errno === EACCES ? "PermissionDenied" : kind;
  else if (errno === EPERM || errno === EACCES) kind = "PermissionDenied";
  // exec errors already read like runc's ("exec: "x": executable file not found in $PATH").
  if (s?.op === Op.RESOLVE_EXEC || s?.op === Op.EXEC) return new SkiffError(kind, msg.text, errno);
  // A hook's failure names its stage, path and why (an exit status or signal has no errno).
  if (s?.op === Op.HOOK) return new SkiffError("Hook", msg.text, errno || undefined);
  // The executor's own words add something only when they are not a rephrase of the step's.
  const sameVerb = s && msg.text.split(" ")[0] === s.what.split(" ")[0];
  const detail = msg.text && !sameVerb ? ` (${msg.text})` : "";
  return new SkiffError(kind, `${s?.what ?? `step ${msg.step}`}: ${errnoName(errno)}${detail}`, errno);
}
