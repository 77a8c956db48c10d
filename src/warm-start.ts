// Called by the entry points as soon as the platform is set, before the command is even
// parsed: for the commands that move a process into cgroups, start the kernel's cgroup-lock
// grace period now (see cgroups/warm-up.ts) so that it passes during start-up instead of inside
// create (a third of a `run` where it waits: docs/architecture.md). Imported dynamically: the
// warm-up's modules are of no use to commands like `state`.
export function startCgroupWarmUp(args: readonly string[]): void {
  const command = args.find((a) => a === "create" || a === "run" || a === "exec");
  if (command) void import("./cgroups/warm-up.js").then((m) => m.warmUpCgroupAttach(command, args));
}
