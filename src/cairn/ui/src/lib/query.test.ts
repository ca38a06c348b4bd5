import { describe, expect, it } from "vitest";
import { filtersToRows } from "./filters";
import { parseQuery, QueryError, queryOf, type QueryFields } from "./query";

const fields: QueryFields = {
  config: ["optimizer", "lr", "model.layers", "seed"],
  summary: ["val/acc", "train/loss", "seed", "best"],
};

function errorOf(text: string): QueryError {
  try {
    parseQuery(text, fields);
  } catch (e) {
    if (e instanceof QueryError) return e;
    throw e;
  }
  throw new Error(`no error for ${text}`);
}

describe("parseQuery", () => {
  it("reads the issue's example into the server's filter JSON", () => {
    expect(parseQuery("val/acc > 0.9 and optimizer = adam", fields)).toEqual({
      $and: [{ "summary.val/acc": { $gt: 0.9 } }, { "config.optimizer": { $eq: "adam" } }],
    });
  });

  it("reads tags, state and time ranges", () => {
    expect(parseQuery("tags contains best", fields)).toEqual({ tags: { $in: ["best"] } });
    expect(parseQuery("state = finished", fields)).toEqual({ state: { $eq: "finished" } });
    expect(parseQuery("created > 2026-11-01 and created <= 2026-11-15T12:30", fields)).toEqual({
      $and: [{ created_at: { $gt: "2026-11-01" } }, { created_at: { $lte: "2026-11-15T12:30" } }],
    });
  });

  it("gives and precedence over or, and reads not, parentheses and lists", () => {
    expect(parseQuery("state = failed or lr < 1e-3 and not tags contains old", fields)).toEqual({
      $or: [
        { state: { $eq: "failed" } },
        { $and: [{ "config.lr": { $lt: 0.001 } }, { $nor: [{ tags: { $in: ["old"] } }] }] },
      ],
    });
    expect(parseQuery("(state = failed or state = crashed) and optimizer in (adam, sgd)", fields)).toEqual({
      $and: [
        { $or: [{ state: { $eq: "failed" } }, { state: { $eq: "crashed" } }] },
        { "config.optimizer": { $in: ["adam", "sgd"] } },
      ],
    });
  });

  it("reads explicit config./summary. fields, regexes, existence and quoted text", () => {
    expect(parseQuery('config.seed != 3 and summary.seed exists and name ~ "^res.*"', fields)).toEqual({
      $and: [{ "config.seed": { $ne: 3 } }, { "summary.seed": { $exists: true } }, { name: { $regex: "^res.*" } }],
    });
    expect(parseQuery('optimizer = "42" and model.layers >= 4', fields)).toEqual({
      $and: [{ "config.optimizer": { $eq: "42" } }, { "config.model.layers": { $gte: 4 } }],
    });
    expect(parseQuery("notes contains a.b", fields)).toEqual({ notes: { $regex: "a\\.b" } });
  });

  it("is null for an empty query", () => {
    expect(parseQuery("   ", fields)).toBeNull();
  });

  it("names what is wrong, and where", () => {
    expect(errorOf("val/ac > 0.9").message).toMatch(/unknown field "val\/ac".*did you mean val\/acc/);
    expect(errorOf("val/ac > 0.9")).toMatchObject({ start: 0, end: 6 });
    expect(errorOf("seed = 3").message).toMatch(/both a config and a summary key: write config.seed or summary.seed/);
    expect(errorOf("val/acc >").message).toMatch(/expected a value after ">"/);
    expect(errorOf("val/acc > high").message).toMatch(/">" compares numbers, and "high" is not one/);
    expect(errorOf("state = finishd").message).toMatch(/"finishd" is not a run state \(running, finished/);
    expect(errorOf("created > yesterday").message).toMatch(/created: "yesterday" is not a date/);
    expect(errorOf("created > 2026-13-01").message).toMatch(/not a date/);
    expect(errorOf("(state = failed").message).toMatch(/"\(" at character 1 is not closed/);
    expect(errorOf("state = failed)").message).toMatch(/unmatched "\)"/);
    expect(errorOf("lr 0.1").message).toMatch(/expected an operator after "lr"/);
    expect(errorOf("lr > 0.1 optimizer = adam").message).toMatch(/expected "and" or "or" before "optimizer"/);
    expect(errorOf('name = "abc').message).toMatch(/unclosed quote/);
    expect(errorOf("user = alice").message).toMatch(/runs record no user/);
    expect(errorOf("name ~ '('").message).toMatch(/bad regular expression/);
    expect(errorOf("name ~ 'a(?=b)'").message).toMatch(/lookaround and backreferences are not supported/);
    expect(errorOf("name ~ '(a)\\1'").message).toMatch(/lookaround and backreferences are not supported/);
    expect(parseQuery("name ~ '(?i)^res'", fields)).toEqual({ name: { $regex: "(?i)^res" } });
    expect(parseQuery(String.raw`name ~ "\d+\"x" and notes = 'it\'s'`, fields)).toEqual({
      $and: [{ name: { $regex: String.raw`\d+"x` } }, { notes: { $eq: "it's" } }],
    });
    expect(errorOf("optimizer in ()").message).toMatch(/the list is empty/);
    expect(errorOf("and").message).toMatch(/expected a field name, got the keyword "and"/);
    expect(errorOf(`${"(".repeat(40)}state = failed${")".repeat(40)}`).message).toMatch(/nests deeper than 32 levels/);
    expect(errorOf(`${"not ".repeat(40)}state = failed`).message).toMatch(/nests deeper than 32 levels/);
    expect(parseQuery(`${"(".repeat(30)}state = failed${")".repeat(30)}`, fields)).toEqual({ state: { $eq: "failed" } });
  });

  it("makes what the filter builder's rows can show, for a flat and", () => {
    const f = parseQuery("lr >= 0.02 and optimizer != sgd and tags contains best", fields);
    expect(filtersToRows(f)).toEqual([
      { field: "config.lr", op: "$gte", value: "0.02" },
      { field: "config.optimizer", op: "$ne", value: "sgd" },
      { field: "tags", op: "$in", value: "best" },
    ]);
  });
});

describe("queryOf", () => {
  it("prints back what it parses", () => {
    for (const text of [
      "val/acc > 0.9 and optimizer = adam",
      "tags contains best",
      "state = failed or lr < 0.001 and not tags contains old",
      "(state = failed or state = crashed) and optimizer in (adam, sgd)",
      'created > 2026-11-01 and name ~ "^res" and config.seed exists',
      'optimizer = "42"',
    ]) {
      const parsed = parseQuery(text, fields);
      expect(parseQuery(queryOf(parsed, fields)!, fields)).toEqual(parsed);
    }
    expect(queryOf(parseQuery("val/acc > 0.9 and optimizer = adam", fields), fields)).toBe("val/acc > 0.9 and optimizer = adam");
  });

  it("prints the builder's bare values and gives up on what it cannot write", () => {
    expect(queryOf({ state: "running" }, fields)).toBe("state = running");
    expect(queryOf({ "config.lr": { $gt: 1, $lt: 2 } }, fields)).toBe("lr > 1 and lr < 2");
    expect(queryOf({ "config.lr": { $weird: 1 } }, fields)).toBeNull();
    expect(queryOf(null)).toBe("");
  });
});
