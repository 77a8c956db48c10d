// process.ioPriority → the ioprio_set(2) value, (class << 13) | level (linux/ioprio.h).
import { SkiffError } from "../errors.js";
import type { Process } from "../spec/types.js";

export const IOPRIO_CLASSES = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 } as const;
const IOPRIO_CLASS_SHIFT = 13;

/** The ioprio value for IOPRIO_WHO_PGRP, or undefined to leave I/O priority alone. */
export function ioPriorityValue(ioPriority: Process["ioPriority"]): number | undefined {
  if (ioPriority === undefined) return undefined;
  const { class: ioClass, priority } = ioPriority;
  if (!Object.hasOwn(IOPRIO_CLASSES, ioClass)) {
    throw new SkiffError("InvalidConfig", `process.ioPriority.class: must be IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE, got ${JSON.stringify(ioClass)}`);
  }
  if (!Number.isInteger(priority) || priority < 0 || priority > 7) {
    throw new SkiffError("InvalidConfig", `process.ioPriority.priority: must be an integer from 0 (highest) to 7 (lowest), got ${JSON.stringify(priority)}`);
  }
  return (IOPRIO_CLASSES[ioClass] << IOPRIO_CLASS_SHIFT) | priority;
}
