// `run` with process.terminal and no --console-socket, from an interactive terminal: skiff
// relays between the user's terminal and the container's pty (script(1) plays the terminal).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeBundle, Runtime, SKIFF, uniqueId } from "../testing/harness.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

function underTerminal(args: string[], input = ""): { status: number | null; stdout: string } {
  const cmd = [SKIFF, "--root", rt.root, ...args].map((a) => `'${a}'`).join(" ");
  // stty sets the outer terminal's size, which skiff passes on as the pty's consoleSize.
  const r = spawnSync("script", ["-qec", `stty rows 33 cols 101; ${cmd}`, "/dev/null"], { input, encoding: "utf8", timeout: 30_000 });
  // script(1) echoes the end of its (empty) input as "^@" at some moment of the output: not ours.
  return { status: r.status, stdout: r.stdout.replaceAll("^@", "") };
}

describe("run with a terminal", () => {
  it("relays output and exit status, with the caller's window size", () => {
    const b = makeBundle(["sh", "-c", "tty; stty size; exit 6"], (c) => (c.process!.terminal = true));
    rt.trackDir(b.dir);
    const r = underTerminal(["run", "--bundle", b.dir, uniqueId()]);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+\r\n33 101\r\n/);
    expect(r.status).toBe(6);
  });

  it("gives the pty the caller's size without writing it into the saved config", () => {
    const b = makeBundle(["sh", "-c", "stty size"], (c) => (c.process!.terminal = true));
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId());
    const r = underTerminal(["run", "--keep", "--bundle", b.dir, id]);
    expect(r.stdout).toContain("33 101");
    const saved = JSON.parse(fs.readFileSync(path.join(rt.root, id, "state.json"), "utf8"));
    expect(saved.config.process.consoleSize).toBeUndefined();
  });

  it("relays input typed at the terminal", () => {
    const b = makeBundle(["sh", "-c", "read line; echo got:$line"], (c) => (c.process!.terminal = true));
    rt.trackDir(b.dir);
    const r = underTerminal(["run", "--bundle", b.dir, uniqueId()], "hello\n");
    expect(r.stdout).toContain("got:hello");
    expect(r.status).toBe(0);
  });

  it("the init's pty is bound at /dev/console (config-linux.md)", () => {
    const b = makeBundle(["sh", "-c", "stat -c '%F %t' /dev/console; grep -c ' /dev/console ' /proc/self/mountinfo"], (c) => (c.process!.terminal = true));
    rt.trackDir(b.dir);
    const r = underTerminal(["run", "--bundle", b.dir, uniqueId()]);
    // character special file, major 0x88 (136, the Unix98 pty slaves)
    expect(r.stdout).toMatch(/character special file 88\r\n1\r\n/);
    expect(r.status).toBe(0);
  });

  it("a read-only /dev still gets its console (bound before the remount, runc's mounts.bats \"ro /dev\")", () => {
    const b = makeBundle(["sh", "-c", "grep '^tmpfs /dev ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1; stat -c '%t' /dev/console"], (c) => {
      c.process!.terminal = true;
      c.mounts!.find((m) => m.destination === "/dev")!.options!.push("ro");
    });
    rt.trackDir(b.dir);
    const r = underTerminal(["run", "--bundle", b.dir, uniqueId()]);
    expect(r.stdout).toBe("ro\r\n88\r\n");
    expect(r.status).toBe(0);
  });

  it("a rootfs planting /dev/console as a symlink to a host file: refused, the file untouched", () => {
    const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-console-")));
    const target = path.join(dir, "target");
    fs.writeFileSync(target, "untouched\n");
    const b = makeBundle(["true"], (c) => {
      c.process!.terminal = true;
      c.mounts = c.mounts!.filter((m) => m.destination !== "/dev");
    });
    rt.trackDir(b.dir);
    fs.mkdirSync(path.join(b.rootfs, "dev"), { recursive: true });
    fs.symlinkSync(target, path.join(b.rootfs, "dev/console"));
    const r = underTerminal(["run", "--bundle", b.dir, uniqueId()]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("/dev/console is neither a file nor a device");
    expect(fs.readFileSync(target, "utf8")).toBe("untouched\n");
  });

  it("--detach with a terminal and no console socket is refused", () => {
    const b = makeBundle(["true"], (c) => (c.process!.terminal = true));
    rt.trackDir(b.dir);
    const id = uniqueId();
    const r = rt.skiff(["run", "-d", "--bundle", b.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("needs a --console-socket");
    expect(rt.skiff(["state", id]).status).toBe(1);
  });
});
