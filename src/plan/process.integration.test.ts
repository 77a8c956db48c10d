// config.md "Process", "Hostname", "Domainname" on real containers.
import { afterAll, describe, expect, it } from "vitest";
import { makeBundle, Runtime, uniqueId } from "../testing/harness.js";
import type { Spec } from "../spec/types.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

function run(args: string[], edit?: (c: Spec) => void): { status: number | null; stdout: string; stderr: string } {
  const b = makeBundle(args, edit);
  rt.trackDir(b.dir);
  return rt.skiff(["run", "--bundle", b.dir, uniqueId()]);
}

describe("process", () => {
  it("args, env (with HOME added) and cwd", () => {
    const r = run(["sh", "-c", 'echo "$0|$FOO|$HOME|$(pwd)"', "arg0"], (c) => {
      c.process!.env = ["PATH=/bin", "FOO=bar baz"];
      c.process!.cwd = "/tmp";
    });
    expect(r.stdout).toBe("arg0|bar baz|/root|/tmp\n");
  });

  it("a cwd that cannot be made fails create, naming it (a missing one is made: cwd.integration.test.ts)", () => {
    const r = run(["true"], (c) => (c.process!.cwd = "/etc/passwd/sub"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("create cwd /etc/passwd/sub: not a directory");
  });

  it("user uid, gid, additionalGids and umask", () => {
    const r = run(["sh", "-c", "id -u; id -g; id -G; umask"], (c) => {
      c.process!.user = { uid: 1000, gid: 1001, additionalGids: [5, 7], umask: 0o027 };
    });
    expect(r.stdout.trim().split("\n")).toEqual(["1000", "1001", "1001 5 7", "0027"]);
  });

  it("hostname and domainname in the new uts namespace", () => {
    const r = run(["sh", "-c", "hostname; cat /proc/sys/kernel/domainname"], (c) => {
      c.hostname = "box-1";
      c.domainname = "example.test";
    });
    expect(r.stdout).toBe("box-1\nexample.test\n");
  });

  it("args[0] is looked up on the container's PATH", () => {
    const r = run(["busybox", "echo", "found"], (c) => (c.process!.env = ["PATH=/nowhere:/bin"]));
    expect(r.stdout).toBe("found\n");
    const missing = run(["busybox"], (c) => (c.process!.env = ["PATH=/nowhere"]));
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe('exec: "busybox": executable file not found in $PATH');
  });

  it("a non-executable file is refused with permission denied", () => {
    const r = run(["/etc/passwd"]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('exec: "/etc/passwd": permission denied');
  });

  it("noNewPrivileges and capabilities are visible in /proc/self/status", () => {
    // A non-root user keeps across execve only its ambient set (and what is bounded).
    const r = run(["sh", "-c", "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status"], (c) => {
      c.process!.noNewPrivileges = true;
      c.process!.user = { uid: 1000, gid: 1000 };
      const set = ["CAP_CHOWN", "CAP_KILL"];
      c.process!.capabilities = { bounding: set, effective: set, permitted: set, inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"] };
    });
    const status = Object.fromEntries(r.stdout.trim().split("\n").map((l) => l.split(/:\s+/)));
    expect(status).toEqual({
      CapInh: "0000000000000020",
      CapPrm: "0000000000000020",
      CapEff: "0000000000000020",
      CapBnd: "0000000000000021",
      CapAmb: "0000000000000020",
      NoNewPrivs: "1",
    });
  });
});

describe("session keyring", () => {
  it("the container joins a keyring of its own (_ses.<id>); --no-new-keyring keeps the caller's", () => {
    const keyringOf = (flags: string[]) => {
      const id = uniqueId("kr");
      // /proc/keys lists the keys the process possesses; a keyring's description is its name.
      const b = makeBundle(["sh", "-c", `grep -c ' _ses.${id}: ' /proc/keys || true`], (c) => {
        c.linux!.maskedPaths = c.linux!.maskedPaths!.filter((p) => p !== "/proc/keys"); // masked by default
      });
      rt.trackDir(b.dir);
      return rt.skiff(["run", ...flags, "--bundle", b.dir, id]).stdout.trim();
    };
    expect(keyringOf([])).toBe("1");
    expect(keyringOf(["--no-new-keyring"])).toBe("0");
  });
});
