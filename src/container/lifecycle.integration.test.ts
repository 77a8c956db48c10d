// runtime.md lifecycle on real containers: create waits for start, state is derived from facts,
// pid files, delete rules, unknown ids, concurrent creates, run's exit status, and that every
// failing create leaves nothing behind.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cgroupDirsNamed, makeBundle, processAlive, Runtime, uniqueId, waitFor } from "../testing/harness.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

function expectNothingLeft(id: string, pid?: number): void {
  expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
  expect(cgroupDirsNamed(id)).toEqual([]);
  if (pid) expect(processAlive(pid)).toBe(false);
}

describe("create and start", () => {
  it("create does not run the program; start does; state follows", async () => {
    const b = makeBundle(["sh", "-c", "touch /tmp/started; sleep 60"], (c) => {
      c.root!.readonly = false;
    });
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId());
    const pidFile = path.join(b.dir, "init.pid");
    rt.ok(["create", "--bundle", b.dir, "--pid-file", pidFile, id]);
    const pidText = fs.readFileSync(pidFile, "utf8");
    expect(pidText).toMatch(/^\d+$/); // bare digits, no newline: containerd does not trim
    const st = rt.state(id);
    expect(st).toMatchObject({ id, status: "created", pid: Number(pidText), bundle: b.dir, ociVersion: b.config.ociVersion });
    expect(processAlive(st.pid)).toBe(true);
    expect(fs.existsSync(path.join(b.rootfs, "tmp/started"))).toBe(false);

    rt.ok(["start", id]);
    expect(await waitFor(() => fs.existsSync(path.join(b.rootfs, "tmp/started")))).toBe(true);
    expect(rt.state(id).status).toBe("running");
    expect(rt.skiff(["start", id]).status).not.toBe(0);

    const refused = rt.skiff(["delete", id]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("not stopped");

    rt.ok(["kill", id, "KILL"]);
    expect(await waitFor(() => rt.state(id).status === "stopped")).toBe(true);
    expect(rt.state(id).pid).toBe(0);
    expect(rt.skiff(["kill", id, "TERM"]).stderr).toContain("container not running");
    rt.ok(["delete", id]);
    expectNothingLeft(id, st.pid);
  });

  it("kill delivers the named signal, by name or number", async () => {
    const b = makeBundle(["sh", "-c", "trap 'echo got-usr1 > /tmp/sig' USR1; trap 'echo got-term > /tmp/sig; exit 0' TERM; while true; do sleep 0.1; done"], (c) => {
      c.root!.readonly = false;
    });
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId());
    rt.ok(["create", "--bundle", b.dir, id]);
    rt.ok(["start", id]);
    const sig = path.join(b.rootfs, "tmp/sig");
    await waitFor(() => rt.state(id).status === "running");
    await new Promise((r) => setTimeout(r, 200)); // let sh install its traps
    rt.ok(["kill", id, "SIGUSR1"]);
    expect(await waitFor(() => fs.existsSync(sig) && fs.readFileSync(sig, "utf8").includes("got-usr1"))).toBe(true);
    rt.ok(["kill", id, "15"]);
    expect(await waitFor(() => fs.readFileSync(sig, "utf8").includes("got-term"))).toBe(true);
    expect(await waitFor(() => rt.state(id).status === "stopped")).toBe(true);
    rt.ok(["delete", id]);
  });

  it("delete --force kills a running container and removes everything", () => {
    const b = makeBundle(["sleep", "60"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId());
    rt.ok(["run", "--detach", "--bundle", b.dir, id]);
    const { pid } = rt.state(id);
    expect(processAlive(pid)).toBe(true);
    rt.ok(["delete", "--force", id]);
    expectNothingLeft(id, pid);
  });

  it("a created container can be force-deleted, and its init goes", () => {
    const b = makeBundle(["true"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId());
    rt.ok(["create", "--bundle", b.dir, id]);
    const { pid } = rt.state(id);
    expect(rt.skiff(["delete", id]).status).toBe(1);
    rt.ok(["delete", "--force", id]);
    expectNothingLeft(id, pid);
  });

  it("unknown ids are errors that name them; delete --force of one exits 0", () => {
    for (const cmd of [["state"], ["start"], ["kill"], ["delete"]]) {
      const r = rt.skiff([...cmd, "no-such-ctr"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("container no-such-ctr does not exist");
    }
    expect(rt.skiff(["delete", "--force", "no-such-ctr"]).status).toBe(0);
  });

  it("two concurrent creates of one id: exactly one succeeds", async () => {
    const b = makeBundle(["sleep", "60"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId());
    const launch = () =>
      new Promise<number>((resolve) => {
        const p = spawn(process.env.SKIFF_BIN ?? path.resolve(import.meta.dirname, "../../dist/skiff"), ["--root", rt.root, "create", "--bundle", b.dir, id], { stdio: "ignore" });
        p.on("exit", (code) => resolve(code ?? -1));
      });
    const codes = await Promise.all([launch(), launch()]);
    expect(codes.sort()).toEqual([0, 1]);
    expect(rt.state(id).status).toBe("created");
    rt.ok(["delete", "--force", id]);
  });

  it("list shows containers in table and json forms", () => {
    const b = makeBundle(["sleep", "60"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId());
    rt.ok(["create", "--bundle", b.dir, id]);
    expect(rt.ok(["list"]).stdout).toMatch(new RegExp(`^ID\\s+PID\\s+STATUS\\s+BUNDLE\\s+CREATED\\s+OWNER\\n(.*\\n)*${id}\\s+\\d+\\s+created\\s`, "m"));
    const json = JSON.parse(rt.ok(["list", "--format", "json"]).stdout) as { id: string; status: string }[];
    expect(json.find((c) => c.id === id)?.status).toBe("created");
    expect(rt.ok(["list", "-q"]).stdout.split("\n")).toContain(id);
    rt.ok(["delete", "--force", id]);
  });
});

describe("run", () => {
  it("exits with the container's status, and 128+N when killed by signal N", () => {
    const b = makeBundle(["sh", "-c", "exit 7"]);
    rt.trackDir(b.dir);
    const id = uniqueId();
    expect(rt.skiff(["run", "--bundle", b.dir, id]).status).toBe(7);
    expectNothingLeft(id);
    // Not pid 1 (which ignores signals it has no handler for): no pid namespace.
    b.config.process!.args = ["sh", "-c", "kill -USR1 $$"];
    b.config.linux!.namespaces = b.config.linux!.namespaces!.filter((n) => n.type !== "pid");
    b.save();
    expect(rt.skiff(["run", "--bundle", b.dir, uniqueId()]).status).toBe(128 + 10);
  });

  it("the caller's stdio is the container's", () => {
    const b = makeBundle(["sh", "-c", "read line; echo \"out:$line\"; echo err >&2"]);
    rt.trackDir(b.dir);
    const r = rt.skiff(["run", "--bundle", b.dir, uniqueId()], { input: "hello\n" });
    expect(r.stdout).toBe("out:hello\n");
    expect(r.stderr).toBe("err\n");
  });
});

describe("a failing create leaves nothing behind", () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ["broken JSON", (d) => fs.writeFileSync(path.join(d, "config.json"), "{ not json"), /config\.json.*invalid JSON/],
    [
      "a schema violation",
      (d) => {
        const c = JSON.parse(fs.readFileSync(path.join(d, "config.json"), "utf8"));
        c.linux.namespaces[1].type = "bogus";
        fs.writeFileSync(path.join(d, "config.json"), JSON.stringify(c));
      },
      /config\.json: \/linux\/namespaces\/1\/type: must be one of/,
    ],
    ["a missing rootfs", (d) => fs.rmSync(path.join(d, "rootfs"), { recursive: true }), /rootfs .* does not exist/],
    [
      "a mount that fails",
      (d) => {
        const c = JSON.parse(fs.readFileSync(path.join(d, "config.json"), "utf8"));
        c.mounts.push({ destination: "/mnt", type: "bind", source: "/no/such/source", options: ["bind"] });
        fs.writeFileSync(path.join(d, "config.json"), JSON.stringify(c));
      },
      /mount \/no\/such\/source on \/mnt: no such file or directory/,
    ],
    [
      "an executable that is not there",
      (d) => {
        const c = JSON.parse(fs.readFileSync(path.join(d, "config.json"), "utf8"));
        c.process.args = ["/bin/nonexistent-program"];
        fs.writeFileSync(path.join(d, "config.json"), JSON.stringify(c));
      },
      /exec: "\/bin\/nonexistent-program": stat \/bin\/nonexistent-program: no such file or directory/,
    ],
    [
      "a program not on PATH",
      (d) => {
        const c = JSON.parse(fs.readFileSync(path.join(d, "config.json"), "utf8"));
        c.process.args = ["no-such-tool"];
        fs.writeFileSync(path.join(d, "config.json"), JSON.stringify(c));
      },
      /exec: "no-such-tool": executable file not found in \$PATH/,
    ],
  ];
  it.each(cases)("%s", (_, breakIt, message) => {
    const b = makeBundle(["true"]);
    rt.trackDir(b.dir);
    breakIt(b.dir);
    const id = uniqueId("fail");
    const log = path.join(b.dir, "log.json");
    const r = rt.skiff(["--log", log, "--log-format", "json", "create", "--bundle", b.dir, "--pid-file", path.join(b.dir, "pid"), id]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    const records = fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(records.at(-1)).toMatchObject({ level: "error", msg: r.stderr.trim() });
    expect(new Date(records.at(-1).time).toISOString()).toBe(records.at(-1).time);
    expect(fs.existsSync(path.join(b.dir, "pid"))).toBe(false);
    expectNothingLeft(id);
  });
});

describe("hooks as runc runs them", () => {
  it("createContainer hooks work in the rootfs; a hook that cannot be run names its stage and the exec error", () => {
    const b = makeBundle(["true"], (c) => {
      c.root!.readonly = false;
      c.hooks = { createContainer: [{ path: "/bin/sh", args: ["sh", "-c", "touch ./hook-was-here"] }] };
    });
    rt.trackDir(b.dir);
    rt.ok(["run", "--bundle", b.dir, uniqueId("hook")]);
    expect(fs.existsSync(path.join(b.rootfs, "hook-was-here"))).toBe(true);

    for (const stage of ["prestart", "createRuntime", "createContainer", "startContainer", "poststart"]) {
      b.config.hooks = { [stage]: [{ path: "/no/such/hook" }] };
      b.save();
      const id = uniqueId("hook");
      const r = rt.skiff(["run", "--bundle", b.dir, id]);
      expect(r.status, stage).toBe(1);
      expect(r.stderr, stage).toMatch(new RegExp(`error running hook #0 \\(${stage} /no/such/hook\\): .*no such file or directory`));
      rt.skiff(["delete", "--force", id]);
    }
  });

  it("startContainer hooks run under the container's seccomp filter; a hook killed by it is named with the signal", () => {
    // runc's seccomp.bats "(startContainer hook)": the filter is loaded before these hooks run.
    const b = makeBundle(["true"], (c) => {
      c.root!.readonly = false;
      c.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL" }] };
      c.hooks = { startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "mkdir /tmp/hook-dir"] }] };
    });
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("hook"));
    const r = rt.skiff(["run", "--bundle", b.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error running hook #0 \(startContainer \/bin\/sh\): killed by signal 31 \(bad system call\)/);
    expect(fs.existsSync(path.join(b.rootfs, "tmp/hook-dir"))).toBe(false);
  });
});
