// The command line as callers meet it: version, help, errors, spec, features, logs, and the
// shipped binary's independence from the checkout.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateFeatures } from "../spec/validators.generated.js";
import { validateSpec } from "../spec/load.js";
import { cgroupDirsNamed, makeBundle, Runtime, SKIFF, uniqueId } from "../testing/harness.js";
import { systemdRunning } from "../testing/host.js";

const rt = new Runtime();
afterAll(() => rt.cleanup());

describe("command line", () => {
  it("--version and -v print the version in runc's shape", () => {
    for (const flag of ["--version", "-v"]) {
      const r = rt.skiff([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^skiff version \d+\.\d+\.\d+\nspec: 1\.\d+\.\d+\n$/);
    }
  });

  it("--help lists the commands", () => {
    const r = rt.skiff(["--help"]);
    expect(r.status).toBe(0);
    for (const c of ["create", "start", "state", "kill", "delete", "run", "list", "spec", "features"]) expect(r.stdout).toContain(`skiff ${c}`);
  });

  it("wrong flags, commands and arguments are one clear error and exit 1", () => {
    const cases: [string[], RegExp][] = [
      [["create", "x", "--bogus"], /Unknown argument: bogus/],
      [["frobnicate"], /No help topic for 'frobnicate': no such command/],
      [["frobnicate", "-h"], /No help topic for 'frobnicate'/],
      [["--root", "/tmp", "frobnicate", "--help"], /No help topic for 'frobnicate'/],
      [["state"], /Not enough non-option arguments/],
      [["kill", "x", "SIGNOPE"], /unknown signal "SIGNOPE"/],
      [["list", "--format", "yaml"], /Invalid values:[\s\S]*format/],
      [["state", "../escape"], /invalid container id format: \.\.\/escape/],
    ];
    for (const [args, message] of cases) {
      const r = rt.skiff(args);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it("COMMAND -h prints that command's help", () => {
    for (const c of ["kill", "exec", "update", "delete"]) {
      const r = rt.skiff([c, "-h"]);
      expect(r.status, c).toBe(0);
      expect(r.stdout.split("\n")[0]).toMatch(new RegExp(`^skiff ${c}\\b`));
    }
  });

  it("checkpoint and restore are one clear 'not supported' error, --help too (podman's probe reads the status)", () => {
    for (const args of [["checkpoint", "--help"], ["checkpoint", "x"], ["restore", "-h"], ["--log-format", "json", "restore", "--bundle", ".", "x"]]) {
      const r = rt.skiff(args);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(/^(checkpoint|restore) is not supported: /);
      expect(r.stdout).toBe("");
    }
  });

  it("flags named --no-* are flags, not negations (yargs path too)", () => {
    const b = makeBundle(["true"]);
    rt.trackDir(b.dir);
    const r = rt.skiff(["create", "--no-pivot", "--no-new-keyring", "--help"]);
    expect(r.status).toBe(0);
    expect(rt.skiff(["run", "--no-pivot", "--bundle", b.dir, uniqueId()]).status).toBe(0);
  });

  it("spec writes a valid default config and refuses to overwrite one", () => {
    const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-spec-")));
    rt.ok(["spec", "--bundle", dir]);
    const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
    expect(() => validateSpec(config)).not.toThrow();
    expect(config.process.args).toEqual(["sh"]);
    const again = rt.skiff(["spec", "--bundle", dir]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("exists");
    fs.rmSync(path.join(dir, "config.json"));
    rt.ok(["spec", "--rootless", "--bundle", dir]);
    const rootless = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
    expect(rootless.linux.namespaces.map((n: { type: string }) => n.type)).toContain("user");
  });

  it("features prints a document valid against schemas/features.schema.json", () => {
    const doc = JSON.parse(rt.ok(["features"]).stdout);
    expect(validateFeatures(doc)).toBe(true);
    expect(doc.ociVersionMin).toBe("1.0.0");
  });

  it("--log --log-format json gets one JSON record per line for errors", () => {
    const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-log-")));
    const log = path.join(dir, "log.json");
    rt.skiff(["--log", log, "--log-format", "json", "state", "ghost"]);
    rt.skiff(["--log", log, "--log-format", "json", "kill", "ghost", "9"]);
    const lines = fs.readFileSync(log, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      const rec = JSON.parse(l);
      expect(Object.keys(rec).sort()).toEqual(["level", "msg", "time"]);
      expect(rec.level).toBe("error");
      expect(rec.msg).toBe("container ghost does not exist");
    }
  });

  it("--log is opened at the first record: a command that has none leaves no file; one it cannot open sends records to stderr", () => {
    const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-log-")));
    const quiet = path.join(dir, "quiet.json");
    rt.ok(["--log", quiet, "--log-format", "json", "list"]);
    expect(fs.existsSync(quiet)).toBe(false);
    const r = rt.skiff(["--log", path.join(dir, "missing", "log.json"), "state", "ghost"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot open log file ${path.join(dir, "missing", "log.json")}`);
    expect(r.stderr).toContain("container ghost does not exist");
  });

  it("list shows containers only: a stray file or directory under --root is not one", () => {
    const b = makeBundle(["sleep", "100"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId());
    rt.ok(["create", "--bundle", b.dir, id]);
    fs.writeFileSync(path.join(rt.root, "stray-file"), "");
    fs.mkdirSync(path.join(rt.root, "stray-dir"));
    try {
      expect(rt.ok(["list", "-q"]).stdout).toBe(`${id}\n`);
    } finally {
      fs.rmSync(path.join(rt.root, "stray-file"));
      fs.rmdirSync(path.join(rt.root, "stray-dir"));
    }
  });

  it("--debug writes level=debug records in the --log-format in force, to stderr or to --log", () => {
    const b = makeBundle(["true"]);
    rt.trackDir(b.dir);
    const toStderr = rt.ok(["--debug", "run", "--bundle", b.dir, uniqueId()]);
    const textLines = toStderr.stderr.trim().split("\n");
    expect(textLines.length).toBeGreaterThan(1);
    for (const l of textLines) expect(l).toMatch(/^time="[^"]+" level=debug msg=".*"$/);

    const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-log-")));
    for (const format of ["text", "json"]) {
      const log = path.join(dir, `debug.${format}`);
      const r = rt.ok(["--debug", "--log", log, "--log-format", format, "run", "--bundle", b.dir, uniqueId()]);
      expect(r.stderr).toBe("");
      const lines = fs.readFileSync(log, "utf8").trim().split("\n");
      expect(lines.length).toBeGreaterThan(1);
      for (const l of lines) {
        if (format === "json") expect(JSON.parse(l)).toMatchObject({ level: "debug" });
        else expect(l).toMatch(/^time="[^"]+" level=debug msg=".*"$/);
      }
    }
    const json = rt.ok(["--debug", "--log-format", "json", "run", "--bundle", b.dir, uniqueId()]);
    for (const l of json.stderr.trim().split("\n")) expect(JSON.parse(l)).toMatchObject({ level: "debug" });
  });

  // Where the driver can work, src/cgroups/systemd.integration.test.ts tests it.
  it.skipIf(systemdRunning)("--systemd-cgroup on a host without pure cgroup v2 and systemd is a clear error, leaving nothing", () => {
    const b = makeBundle(["true"], (c) => (c.linux!.cgroupsPath = "system.slice:skiff:x"));
    rt.trackDir(b.dir);
    const id = uniqueId();
    const r = rt.skiff(["--systemd-cgroup", "create", "--bundle", b.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/systemd/);
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
  });
});

describe("run --keep", () => {
  it("leaves the stopped container, its state and cgroups, for delete", () => {
    const b = makeBundle(["sh", "-c", "exit 3"]);
    rt.trackDir(b.dir);
    const id = rt.track(uniqueId("keep"));
    expect(rt.skiff(["run", "--keep", "--bundle", b.dir, id]).status).toBe(3);
    expect(rt.state(id).status).toBe("stopped");
    expect(cgroupDirsNamed(id).length).toBeGreaterThan(0);
    rt.ok(["delete", id]);
    expect(cgroupDirsNamed(id)).toEqual([]);
    expect(rt.skiff(["run", "--keep", "--detach", "--bundle", b.dir, uniqueId("keep")]).stderr).toContain("--keep and --detach cannot be used together");
  });
});

describe("the shipped binary", () => {
  it("works copied alone into another directory", () => {
    const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-copy-")));
    const copy = path.join(dir, "skiff");
    fs.copyFileSync(SKIFF, copy);
    fs.chmodSync(copy, 0o755);
    const b = makeBundle(["echo", "from a copy"]);
    rt.trackDir(b.dir);
    const r = spawnSync(copy, ["--root", rt.root, "run", "--bundle", b.dir, uniqueId()], { cwd: dir, encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("from a copy\n");
  });

  // Bun's compiled executables by default read bunfig.toml (whose `preload` runs a script) and
  // .env from the working directory: a file in /tmp would have run code as root in `skiff list`.
  it("runs no code and takes no settings from the directory it is started in", () => {
    const dir = rt.trackDir(fs.mkdtempSync(path.join(os.tmpdir(), "skiff-cwd-")));
    const marker = path.join(dir, "preload-ran");
    fs.writeFileSync(path.join(dir, "preload.js"), `require("fs").writeFileSync(${JSON.stringify(marker)}, "")\n`);
    fs.writeFileSync(path.join(dir, "bunfig.toml"), 'preload = ["./preload.js"]\n');
    fs.writeFileSync(path.join(dir, ".env"), "DEBUG=skiff:*\n");
    const b = makeBundle(["true"]);
    rt.trackDir(b.dir);
    for (const args of [["list"], ["run", "--bundle", b.dir, uniqueId()]]) {
      const r = rt.skiff(args, { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe("");
      expect(fs.existsSync(marker)).toBe(false);
    }
  });

  it("the Node fallback entry runs the same container", () => {
    const entry = path.resolve(import.meta.dirname, "../../dist/node/src/main-node.js");
    const b = makeBundle(["echo", "from node"]);
    rt.trackDir(b.dir);
    const r = spawnSync(process.execPath, [entry, "--root", rt.root, "run", "--bundle", b.dir, uniqueId()], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("from node\n");
  });
});
