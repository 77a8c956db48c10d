import { describe, expect, it } from "vitest";
import { parseProcStat } from "./proc.js";
import { deriveStatus } from "./status.js";

describe("deriveStatus", () => {
  it.each([
    [{ initAlive: false, fifoExists: true, frozen: true }, "stopped"],
    [{ initAlive: true, fifoExists: true, frozen: false }, "created"],
    [{ initAlive: true, fifoExists: false, frozen: true }, "paused"],
    [{ initAlive: true, fifoExists: true, frozen: true }, "paused"],
    [{ initAlive: true, fifoExists: false, frozen: false }, "running"],
    [{ creator: "alive", initAlive: false, fifoExists: false, frozen: false }, "creating"],
    [{ creator: "gone", initAlive: false, fifoExists: false, frozen: false }, "stopped"],
  ] as const)("%o → %s", (facts, status) => {
    expect(deriveStatus(facts)).toBe(status);
  });
});

describe("parseProcStat", () => {
  it("finds state and start time after a command name with spaces and parens", () => {
    const text = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615\n";
    expect(parseProcStat(text)).toEqual({ state: "S", startTime: "987654" });
  });
});

describe("socketActivationFds", () => {
  it("counts LISTEN_FDS only when LISTEN_PID is this process", async () => {
    const { socketActivationFds } = await import("./create.js");
    expect(socketActivationFds({ LISTEN_FDS: "2", LISTEN_PID: "42" }, 42)).toBe(2);
    expect(socketActivationFds({ LISTEN_FDS: "2", LISTEN_PID: "41" }, 42)).toBe(0);
    expect(socketActivationFds({ LISTEN_FDS: "x", LISTEN_PID: "42" }, 42)).toBe(0);
    expect(socketActivationFds({}, 42)).toBe(0);
  });
});
