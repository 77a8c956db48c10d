// Regression tests for the older runtime escape classes (docs/security.md lists each): what a
// container must never reach of the runtime or the host.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { makeBundle, Runtime, SKIFF, uniqueId } from "../testing/harness.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function bundle(args: string[], edit?: Parameters<typeof makeBundle>[1]) {
  const b = makeBundle(args, edit);
  rt.trackDir(b.dir);
  return b;
}

describe("CVE-2019-5736: the runtime's binary cannot be rewritten from a container", () => {
  it("a container sharing the pid namespace of a created container cannot open its waiting init's executable for writing", () => {
    const before = sha256(SKIFF);
    // The created container's pid 1 is skiff-init itself, waiting for `start`: the process a
    // neighbour in its pid namespace sees, as in the CVE's attack.
    const waiting = rt.track(uniqueId("waiting"));
    rt.ok(["create", "--bundle", bundle(["true"]).dir, waiting]);
    const initPid = rt.state(waiting).pid;
    const attacker = bundle(["sh", "-c", "readlink /proc/1/exe; if (echo pwned >> /proc/1/exe) 2>/dev/null; then echo WROTE; else echo REFUSED; fi"], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === "pid" ? { type: "pid", path: `/proc/${initPid}/ns/pid` } : n));
    });
    const r = rt.skiff(["run", "--bundle", attacker.dir, uniqueId("attacker")]);
    expect(r.stderr).toBe("");
    const [exe, outcome] = r.stdout.trim().split("\n");
    expect(exe).toMatch(/skiff-init/); // what it attacked really was the runtime's own code
    expect(outcome).toBe("REFUSED");
    expect(sha256(SKIFF)).toBe(before);
    expect(rt.state(waiting).status).toBe("created");
  });
});

describe("nothing of the runtime's own process reaches the container", () => {
  const secret = `SKIFF_TEST_SECRET_${process.pid}`;

  it("skiff's environment is not the container's, for the init and for exec", () => {
    const id = rt.track(uniqueId("env"));
    rt.ok(["run", "--detach", "--bundle", bundle(["sleep", "300"]).dir, id], { env: { ...process.env, [secret]: "1" } });
    const init = rt.ok(["exec", id, "cat", "/proc/1/environ"], { env: { ...process.env, [secret]: "1" } }).stdout;
    const exec = rt.ok(["exec", id, "cat", "/proc/self/environ"], { env: { ...process.env, [secret]: "1" } }).stdout;
    expect(init).toContain("PATH=");
    expect(init).not.toContain(secret);
    expect(exec).not.toContain(secret);
    rt.ok(["delete", "--force", id]);
  });

  it("a config with no capabilities gives an init with none, and no_new_privs as asked", () => {
    for (const noNewPrivileges of [true, false]) {
      const b = bundle(["sh", "-c", "grep -E '^(CapInh|CapPrm|CapEff|CapAmb|NoNewPrivs)' /proc/self/status"], (c) => {
        c.process!.capabilities = { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] };
        c.process!.noNewPrivileges = noNewPrivileges;
      });
      const r = rt.ok(["run", "--bundle", b.dir, uniqueId("nocaps")]);
      const fields = Object.fromEntries(r.stdout.trim().split("\n").map((l) => l.split(/:\s+/)));
      expect(fields).toEqual({ CapInh: "0000000000000000", CapPrm: "0000000000000000", CapEff: "0000000000000000", CapAmb: "0000000000000000", NoNewPrivs: noNewPrivileges ? "1" : "0" });
    }
  });
});

describe("masked and read-only paths hold", () => {
  it("the default config's masked paths read empty and its read-only paths refuse writes", () => {
    // Only what this kernel has: /proc/kcore, for one, needs CONFIG_PROC_KCORE.
    const files = ["/proc/kcore", "/proc/keys", "/proc/timer_list"].filter((f) => fs.existsSync(f));
    const script = [
      ...files.map((f) => `printf '%s %s\\n' ${f} $(cat ${f} | wc -c)`),
      "printf '/sys/firmware %s\\n' $(ls -A /sys/firmware 2>/dev/null | wc -l)",
      "if (echo 1 > /proc/sys/kernel/ns_last_pid) 2>/dev/null; then echo writable; else echo ro; fi",
      "if (echo 1 > /proc/sysrq-trigger) 2>/dev/null; then echo writable; else echo ro; fi",
    ].join("; ");
    const r = rt.ok(["run", "--bundle", bundle(["sh", "-c", script]).dir, uniqueId("masked")]);
    expect(r.stdout.trim().split("\n")).toEqual([...files.map((f) => `${f} 0`), "/sys/firmware 0", "ro", "ro"]);
  });
});
