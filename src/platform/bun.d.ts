// The small part of Bun's API that src/platform/spawn-bun.ts and apis-bun.ts use (Bun ships the
// real types; the Node toolchain does not have them).
declare namespace Bun {
  interface Subprocess {
    readonly pid: number;
    readonly exited: Promise<number>;
    kill(signal?: string | number): void;
  }
  interface BunFile {
    bytes(): Promise<Uint8Array>;
  }
  function file(path: string): BunFile;
  function spawn(cmd: string[], options: { argv0?: string; stdio: number[]; env: Record<string, string> }): Subprocess;
  class CryptoHasher {
    constructor(algorithm: "sha256");
    update(data: string): CryptoHasher;
    digest(encoding: "hex"): string;
  }
}
