// Imported first by the entry points, so it runs before the rest of skiff is even evaluated:
// for the commands that move a process into cgroups, start the kernel's cgroup-lock grace
// period now (see cgroups/warm-up.ts) so that it passes during start-up instead of inside
// create (~10 ms of a ~30 ms `run`). Imported dynamically: node:fs alone costs Bun ~1 ms, which
// commands like `--version` and `state` need not pay here.
if (process.argv.slice(2).some((a) => a === "create" || a === "run" || a === "exec")) void import("./cgroups/warm-up.js").then((m) => m.warmUpCgroupAttach());
