import { describe, expect, it } from "vitest";
import { startOutcome } from "./start.js";

describe("startOutcome", () => {
  it("is ok when the init reported 0 and then exec closed the fifo", () => {
    expect(startOutcome("0")).toEqual({ ok: true });
  });
  it("carries the init's error, before or after the 0", () => {
    expect(startOutcome("Ehook /x exited with status 1")).toEqual({ ok: false, message: "hook /x exited with status 1" });
    expect(startOutcome("0Eload seccomp filter")).toEqual({ ok: false, message: "load seccomp filter" });
  });
  it("treats silence as an init that died", () => {
    expect(startOutcome("")).toEqual({ ok: false, message: "cannot start a container that has stopped" });
  });
});
