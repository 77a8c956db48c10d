import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { acceptUnix, listenUnix, recvFd } from "./fd-passing.js";
import { socketpair } from "./libc.js";

// Python's socket.send_fds is an independent implementation of the sending side.
function pythonSends(script: string, stdio: (number | "ignore" | "pipe")[]): void {
  const r = spawnSync("python3", ["-c", `import socket, os\n${script}`], { stdio, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
}

describe("recvFd", () => {
  it("receives the fd and the name sent with it, as a usable close-on-exec fd", () => {
    const [ours, theirs] = socketpair();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-fdpass-"));
    try {
      const file = path.join(dir, "payload");
      fs.writeFileSync(file, "through the socket");
      pythonSends(`s = socket.socket(fileno=3)\nf = os.open(${JSON.stringify(file)}, os.O_RDONLY)\nsocket.send_fds(s, [b"/dev/pts/7"], [f])`, ["ignore", "ignore", "pipe", theirs]);
      const got = recvFd(ours);
      expect(got?.name).toBe("/dev/pts/7");
      expect(fs.readFileSync(got!.fd, "utf8")).toBe("through the socket");
      const flags = spawnSync("sh", ["-c", `grep flags /proc/${process.pid}/fdinfo/${got!.fd}`], { encoding: "utf8" }).stdout;
      expect(Number.parseInt(flags.split(/\s+/)[1], 8) & 0o2000000).not.toBe(0);
      fs.closeSync(got!.fd);
    } finally {
      fs.closeSync(ours);
      fs.closeSync(theirs);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("returns undefined when the peer closes without sending", () => {
    const [ours, theirs] = socketpair();
    fs.closeSync(theirs);
    expect(recvFd(ours)).toBeUndefined();
    fs.closeSync(ours);
  });

  it("refuses a message that carries no fd", () => {
    const [ours, theirs] = socketpair();
    fs.writeSync(theirs, "just text");
    expect(() => recvFd(ours)).toThrow(/without a file descriptor/);
    fs.closeSync(ours);
    fs.closeSync(theirs);
  });
});

describe("listenUnix/acceptUnix", () => {
  it("accept returns a connection a client made to the socket path", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-listen-"));
    const sockPath = path.join(dir, "console.sock");
    const listener = listenUnix(sockPath);
    try {
      pythonSends(`s = socket.socket(socket.AF_UNIX)\ns.connect(${JSON.stringify(sockPath)})\nsocket.send_fds(s, [b"name"], [0])`, ["ignore", "ignore", "pipe"]);
      const conn = acceptUnix(listener);
      expect(recvFd(conn)?.name).toBe("name");
      fs.closeSync(conn);
    } finally {
      fs.closeSync(listener);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
