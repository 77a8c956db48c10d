import { describe, expect, it } from "vitest";
import { idListProblem, parseIdList } from "./id-list.js";

describe("id lists", () => {
  it("parses ranges and single ids, sorted and without repeats", () => {
    expect(parseIdList("0-3,7")).toEqual([0, 1, 2, 3, 7]);
    expect(parseIdList(" 5 , 1-2,2 ")).toEqual([1, 2, 5]);
    expect(parseIdList("")).toEqual([]);
    expect(idListProblem("0-3,7")).toBeUndefined();
  });

  it("names what is not a list, backwards ranges and ids past the mask", () => {
    expect(idListProblem("0-")).toBe('"0-" is not a list like "0-3,7"');
    expect(idListProblem("3-1")).toBe("range 3-1 runs backwards");
    expect(idListProblem("1024")).toBe("1024 is above the largest id 1023");
  });
});
