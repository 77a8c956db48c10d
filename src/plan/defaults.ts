// The masked and read-only paths `runc spec` writes into a new config.json (for `skiff spec`).
// They are defaults of the generated config, not of the runtime: a config without
// linux.maskedPaths masks nothing.

/** Kernel interfaces that leak host details or allow host-wide changes: hidden in the container. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/sys/firmware",
  "/proc/scsi",
];

/** Kernel interfaces the container may read but must not write. */
export const DEFAULT_READONLY_PATHS: readonly string[] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];
