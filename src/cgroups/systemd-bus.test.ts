import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { socketPathOf, SystemdBus, userBusAddress } from "./systemd-bus.js";

describe("userBusAddress (a rootless user's systemd, as runc finds it)", () => {
  it("takes $DBUS_SESSION_BUS_ADDRESS, else the bus socket in $XDG_RUNTIME_DIR", () => {
    expect(userBusAddress({ DBUS_SESSION_BUS_ADDRESS: "unix:path=/x/bus", XDG_RUNTIME_DIR: "/y" })).toBe("unix:path=/x/bus");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-xdg-"));
    try {
      fs.writeFileSync(path.join(dir, "bus"), ""); // only its presence is checked
      expect(userBusAddress({ XDG_RUNTIME_DIR: dir })).toBe(`unix:path=${dir}/bus`);
      fs.rmSync(path.join(dir, "bus"));
      expect(() => userBusAddress({ XDG_RUNTIME_DIR: dir })).toThrow(/needs your systemd's session bus.*dbus-user-session/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => userBusAddress({})).toThrow(/XDG_RUNTIME_DIR is not set/);
  });
});

describe("socketPathOf (D-Bus addresses)", () => {
  it("takes the first unix:path=, unescaping it", () => {
    expect(socketPathOf("unix:path=/run/dbus/system_bus_socket")).toBe("/run/dbus/system_bus_socket");
    expect(socketPathOf("tcp:host=localhost,port=1;unix:guid=abc,path=/run/user/1000/bus")).toBe("/run/user/1000/bus");
    expect(socketPathOf("unix:path=/tmp/a%20b")).toBe("/tmp/a b");
  });

  it("refuses what skiff cannot connect to, naming the address", () => {
    expect(() => socketPathOf("unix:abstract=/tmp/dbus-X")).toThrow(/unix:abstract=\/tmp\/dbus-X.*no unix:path=/);
    expect(() => socketPathOf("")).toThrow(/no unix:path=/);
  });
});

// A private bus (dbus-daemon --session on a socket of the test's own) with no systemd on it:
// the client's handshake, its calls and a bus's error replies and refusals, for real.
const dbusDaemon = spawnSync("sh", ["-c", "command -v dbus-daemon"], { encoding: "utf8" }).stdout.trim();
describe.skipIf(!dbusDaemon)("SystemdBus against a real bus daemon without systemd (needs dbus-daemon)", () => {
  let dir = "";
  let daemon: ChildProcess | undefined;
  const saved = { address: process.env.DBUS_SESSION_BUS_ADDRESS, getuid: process.getuid };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-bus-"));
    daemon = spawn(dbusDaemon, ["--session", `--address=unix:path=${dir}/bus`, "--nofork", "--nopidfile"], { stdio: "ignore" });
    for (let i = 0; i < 100 && !fs.existsSync(`${dir}/bus`); i++) await new Promise((r) => setTimeout(r, 20));
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${dir}/bus`;
  });

  afterAll(() => {
    daemon?.kill();
    process.env.DBUS_SESSION_BUS_ADDRESS = saved.address;
    if (saved.address === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    process.getuid = saved.getuid;
  });

  it("authenticates, and turns the bus's error replies into errors that name the call and the D-Bus error", async () => {
    const bus = new SystemdBus("user");
    try {
      expect(await bus.version()).toBe(0); // no systemd to ask: 0, as for a systemd too old to say
      await expect(bus.subscribe()).rejects.toThrow(/^subscribing to systemd's job signals: .*\(org\.freedesktop\.DBus\.Error\.[A-Za-z.]+\)$/);
      await expect(bus.startUnit("skiff-test.scope", [["Description", "s", "x"]])).rejects.toThrow(/subscribing to systemd's job signals/);
    } finally {
      bus.close();
    }
  });

  it("says so when the bus refuses the uid it is told", async () => {
    const own = process.getuid?.() ?? 0;
    process.getuid = () => own + 4242; // not who the socket says we are: EXTERNAL fails
    // The refusal surfaces where the client first meets it: the handshake's write when the bus
    // has hung up by then, else the first reply (the answer to AUTH is read with it).
    const firstCall = async () => {
      const bus = new SystemdBus("user");
      try {
        await bus.managerControlGroup();
      } finally {
        bus.close();
      }
    };
    await expect(firstCall()).rejects.toThrow(/your session bus \(systemd --user\) \(systemd cgroup driver\): the bus refused us \(uid \d+\): REJECTED/);
  });

  it("names the socket that is not there", () => {
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${dir}/nothing`;
    try {
      expect(() => new SystemdBus("user")).toThrow(`your session bus (systemd --user) (systemd cgroup driver): connect to D-Bus socket ${dir}/nothing: no such file or directory`);
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${dir}/bus`;
    }
  });
});
