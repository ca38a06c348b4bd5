import { describe, expect, it } from "vitest";
import { filtersToRows, parseValue, rowsToFilters, type FilterRow } from "./filters";

describe("rowsToFilters", () => {
  it("makes one condition without $and", () => {
    expect(rowsToFilters([{ field: "config.lr", op: "$lt", value: "0.01" }])).toEqual({ "config.lr": { $lt: 0.01 } });
  });

  it("joins several with $and and skips incomplete rows", () => {
    const rows: FilterRow[] = [
      { field: "state", op: "$eq", value: "finished" },
      { field: "", op: "$eq", value: "x" },
      { field: "tags", op: "$in", value: "a, b" },
      { field: "summary.acc", op: "$exists", value: "" },
    ];
    expect(rowsToFilters(rows)).toEqual({
      $and: [{ state: { $eq: "finished" } }, { tags: { $in: ["a", "b"] } }, { "summary.acc": { $exists: true } }],
    });
  });

  it("returns null when nothing is complete", () => {
    expect(rowsToFilters([{ field: "config.lr", op: "$gt", value: " " }])).toBeNull();
  });
});

describe("parseValue", () => {
  it("reads numbers, booleans and null; quotes force text", () => {
    expect(parseValue("1e-3")).toBe(0.001);
    expect(parseValue("-4")).toBe(-4);
    expect(parseValue("true")).toBe(true);
    expect(parseValue("null")).toBeNull();
    expect(parseValue('"42"')).toBe("42");
    expect(parseValue("adam")).toBe("adam");
  });
});

describe("filtersToRows", () => {
  it("round-trips what the builder makes", () => {
    const rows: FilterRow[] = [
      { field: "config.lr", op: "$gte", value: "0.02" },
      { field: "name", op: "$regex", value: "^res" },
      { field: "config.opt", op: "$nin", value: "sgd, adam" },
      { field: "group", op: "$eq", value: '"7"' },
    ];
    expect(filtersToRows(rowsToFilters(rows))).toEqual(rows);
  });

  it("reads a bare value as equality", () => {
    expect(filtersToRows({ state: "running" })).toEqual([{ field: "state", op: "$eq", value: "running" }]);
  });

  it("gives up (null) on what rows cannot show", () => {
    expect(filtersToRows({ $or: [{ state: "running" }, { state: "failed" }] })).toBeNull();
    expect(filtersToRows({ "config.lr": { $gt: 1, $lt: 2 } })).toBeNull();
  });
});
