// `ps ID`: the container's processes are the pids in its cgroup. The table form runs the host's
// ps and keeps the lines of those pids, as runc does, so any ps options work.
import { spawnSync } from "node:child_process";
import { SkiffError } from "../errors.js";
import { Container } from "./container.js";
import type { StateStore } from "./state-store.js";

/** Every pid in the container's cgroup; empty for a stopped container, as with runc. */
export async function containerPids(store: StateStore, id: string): Promise<number[]> {
  return (await (await Container.open(store, id)).cgroups()).pids();
}

/** ps output reduced to its header and the lines whose PID column is one of `pids`. */
export function filterPsOutput(output: string, pids: readonly number[]): string {
  const [header = "", ...lines] = output.split("\n");
  const pidColumn = header.trim().split(/\s+/).indexOf("PID");
  if (pidColumn < 0) throw new SkiffError("InvalidArgument", "couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const kept = lines.filter((line) => {
    if (line.trim() === "") return false;
    const field = line.trim().split(/\s+/)[pidColumn];
    if (field === undefined || !/^\d+$/.test(field)) throw new SkiffError("InvalidArgument", `unable to parse pid from ps output line: ${line}`);
    return wanted.has(Number(field));
  });
  return [header, ...kept].map((l) => l + "\n").join("");
}

/** Runs the host's ps with `args` (runc's default: -ef); its output, or an error carrying it. */
export function hostPs(args: readonly string[]): string {
  const r = spawnSync("ps", args.length > 0 ? [...args] : ["-ef"], { encoding: "utf8" });
  if (r.error) throw new SkiffError("Syscall", `running ps: ${r.error.message}`);
  if (r.status !== 0) throw new SkiffError("InvalidArgument", `ps ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`.trimEnd());
  return r.stdout;
}
