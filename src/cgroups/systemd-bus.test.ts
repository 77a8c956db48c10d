import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { socketPathOf, userBusAddress } from "./systemd-bus.js";

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
