import { describe, expect, it } from "vitest";
import { locateJsonError } from "./json-position.js";

describe("locateJsonError", () => {
  it.each(['{"a": [1, 2.5e3, -0, true, false, null, "x\\u00e9\\n"]}', "  []  ", '"s"', "{}"])("finds nothing wrong in %s", (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(locateJsonError(text)).toBeUndefined();
  });

  it.each([
    ['{"a": 1,}', 1, 9, 'expected a property name in double quotes but found "}"'],
    ['{"a" 1}', 1, 6, 'expected ":" but found "1"'],
    ["[1 2]", 1, 4, 'expected "," or "]" but found "2"'],
    ['{\n  "a": tru\n}', 2, 8, 'unexpected "t"'],
    ['{"a": "b', 1, 9, "unterminated string"],
    ['{"a": "\\x"}', 1, 9, "bad escape in string"],
    ["{} {}", 1, 4, 'unexpected "{" after the JSON value'],
    ["", 1, 1, "unexpected end of input"],
    ['{"a": 01}', 1, 8, 'expected "," or "}" but found "1"'],
  ])("locates the error in %j at %i:%i", (text, line, column, reason) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(locateJsonError(text)).toEqual({ line, column, reason });
  });
});
