// Spawn through Bun.spawn (the compiled dist/skiff): node:child_process, with the streams and tty
// modules it pulls in, is costly for Bun to load; Bun.spawn is native (docs/architecture.md).
import type { Spawn } from "./index.js";

export const bunSpawn: Spawn = (file, args, { argv0, stdio }) => {
  const child = Bun.spawn([file, ...args], { argv0, stdio, env: {} });
  return { pid: child.pid, exited: child.exited.then(() => undefined), kill: (signal) => child.kill(signal) };
};
