import { describe, expect, it } from "vitest";
import { StateStore, validateId } from "./state-store.js";

describe("validateId", () => {
  it("takes runc's id characters: letters, digits, _ + - .", () => {
    for (const id of ["a", "0", "web-1", "A.b_c+d-e", "...x", "x".repeat(1024)]) expect(() => validateId(id)).not.toThrow();
  });

  it("refuses the rest, . and .., naming the id", () => {
    expect(() => validateId("")).toThrow("container id cannot be empty");
    for (const id of [".", "..", "a/b", "../x", "a b", "a:b", "é", "a\n", "a\0b", "~"]) expect(() => validateId(id)).toThrow(`invalid container id format: ${id}`);
  });
});

describe("StateStore.dir", () => {
  it("joins the id to the root without its trailing slashes", () => {
    expect(new StateStore("/run/skiff").dir("x")).toBe("/run/skiff/x");
    expect(new StateStore("/run/skiff///").dir("x")).toBe("/run/skiff/x");
    expect(new StateStore("/").dir("x")).toBe("/x");
    expect(new StateStore("rel/").dir("x")).toBe("rel/x");
  });
});
