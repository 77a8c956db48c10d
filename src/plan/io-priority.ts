// process.ioPriority → the ioprio_set(2) value, (class << 13) | level (linux/ioprio.h).
import type { Process } from "../spec/types.js";

export const IOPRIO_CLASSES = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 } as const;
const IOPRIO_CLASS_SHIFT = 13;

/** The ioprio value for IOPRIO_WHO_PGRP, or undefined to leave I/O priority alone (the schema
 * has checked the class and the level). */
export function ioPriorityValue(ioPriority: Process["ioPriority"]): number | undefined {
  if (ioPriority === undefined) return undefined;
  return (IOPRIO_CLASSES[ioPriority.class] << IOPRIO_CLASS_SHIFT) | ioPriority.priority;
}
