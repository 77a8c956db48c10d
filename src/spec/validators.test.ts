// The generated validators themselves: self-contained, and the schemas without a loader of
// their own in src/spec (state.json is written by the runtime, checked here and by callers' tests).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateState } from "./validators.generated.js";

describe("validators.generated.js", () => {
  it("imports nothing, so loading config.json never pulls in ajv", () => {
    const code = readFileSync(join(import.meta.dirname, "validators.generated.js"), "utf8");
    expect(code).not.toMatch(/\brequire\(|^\s*import\b/m);
  });
});

describe("state schema", () => {
  const running = { ociVersion: "1.3.0", id: "c1", status: "running", pid: 4422, bundle: "/containers/redis", annotations: { k: "v" } };

  it("accepts runtime.md's state shapes", () => {
    expect(validateState(running)).toBe(true);
    expect(validateState({ ociVersion: "1.3.0", id: "c1", status: "stopped", bundle: "/b" })).toBe(true);
  });

  it.each([
    ["a running container without pid", { ...running, pid: undefined }, "/pid"],
    ["an unknown status", { ...running, status: "exited" }, "/status"],
    ["a relative bundle", { ...running, bundle: "b" }, "/bundle"],
    ["an empty id", { ...running, id: "" }, "/id"],
  ])("rejects %s", (_name, state, path) => {
    expect(validateState(JSON.parse(JSON.stringify(state)))).toBe(false);
    const where = validateState.errors?.map((e) => (e.keyword === "required" ? `/${String(e.params.missingProperty)}` : e.instancePath));
    expect(where).toContain(path);
  });
});
