// Imported first by the entry points, so it runs before the rest of skiff is even evaluated:
// for the commands that move a process into cgroups, start the kernel's cgroup-lock grace
// period now (see cgroups/warm-up.ts) so that it passes during start-up instead of inside
// create (a third of a `run`: docs/architecture.md). Imported dynamically: node:fs alone has a
// start-up cost that commands like `--version` and `state` need not pay here.
const command = process.argv.slice(2).find((a) => a === "create" || a === "run" || a === "exec");
if (command) void import("./cgroups/warm-up.js").then((m) => m.warmUpCgroupAttach(command, process.argv));
