// linux.seccomp → the BPF program the init loads (create and exec share it).
import * as path from "../posix-path.js";
import type { SeccompProgram } from "../plan/process.js";
import type { Spec } from "../spec/types.js";
import type { StateStore } from "./state-store.js";

/** Loaded only when the container has a filter: libseccomp through FFI costs start-up time. */
export async function seccompProgram(spec: Spec, store: StateStore): Promise<SeccompProgram | undefined> {
  if (!spec.linux?.seccomp) return undefined;
  const { compileSeccompCached } = await import("../linux/seccomp-cache.js");
  const compiled = await compileSeccompCached(spec.linux.seccomp, path.join(store.root, ".seccomp-cache"));
  return {
    bpf: compiled.bpf,
    flags: compiled.flags.reduce((a, f) => a | f, 0),
    listenerPath: compiled.listenerPath,
    listenerMetadata: compiled.listenerMetadata,
  };
}
