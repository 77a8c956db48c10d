// What skiff prints on stdout/stderr: whole lines, written before print returns, through the
// platform (docs/architecture.md: Bun's process.stdout builds a stream object on first use, and
// node:fs costs a compiled binary more start-up than a whole `skiff state` should take).
import { platform } from "./platform/index.js";

export const print = (fd: 1 | 2, text: string): void => platform().print(fd, text);

export const printOut = (text: string): void => print(1, text);
