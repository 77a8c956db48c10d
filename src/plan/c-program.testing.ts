// Test support: a C program compiled into a fresh temporary directory for one test file (the
// vitest hooks build it and remove the directory): a peer the tests need beside skiff, such as a
// seccomp agent, or a static program to run inside a container's busybox rootfs.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll } from "vitest";

export interface CProgram {
  /** The temporary directory, for files the test hands to the program. */
  dir: string;
  /** The compiled executable. */
  path: string;
}

/**
 * Call at the top of a describe block; the fields are filled in before its tests run. `static`:
 * linked with musl-gcc (which skiff-init's build needs anyway), to run in a rootfs with no libc.
 */
export function useCProgram(name: string, source: string, { static: isStatic = false } = {}): CProgram {
  const program: CProgram = { dir: "", path: "" };
  beforeAll(() => {
    program.dir = fs.mkdtempSync(path.join(os.tmpdir(), `skiff-${name}-`));
    const file = path.join(program.dir, `${name}.c`);
    fs.writeFileSync(file, source);
    program.path = path.join(program.dir, name);
    execFileSync(isStatic ? "musl-gcc" : "gcc", ["-O2", "-Wall", ...(isStatic ? ["-static"] : []), "-o", program.path, file]);
  });
  afterAll(() => fs.rmSync(program.dir, { recursive: true, force: true }));
  return program;
}
