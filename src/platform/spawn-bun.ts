// Spawn through Bun.spawn (the compiled dist/skiff): node:child_process costs Bun ~2 ms of CPU
// and ~3.5 MB to load (with the streams and tty modules it pulls in), Bun.spawn nothing.
import type { Spawn } from "./index.js";

export const bunSpawn: Spawn = (file, args, { argv0, stdio }) => {
  const child = Bun.spawn([file, ...args], { argv0, stdio, env: {} });
  return { pid: child.pid, unref: () => child.unref(), kill: (signal) => child.kill(signal) };
};
