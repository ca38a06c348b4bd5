import { describe, expect, it } from "vitest";
import type { Run } from "../../api/types";
import { pcAxis } from "../parallel";
import { cleanLayout } from "../layout";
import { cleanOptions } from "./options";
import { barsOf, brushesOf, brushFilter, compareRows } from "./values";

function run(id: string, config: Run["config"], summary: Run["summary"], tags: string[] = []): Run {
  return {
    id, entity: "e", project: "p", path: `e/p/${id}`, name: id, state: "finished", notes: null, tags, group: null,
    job_type: null, created_at: 0, updated_at: null, heartbeat_at: null, finished_at: null, exit_code: 0, last_step: null,
    host: null, config, summary, meta: {}, url: null,
  };
}

const runs = [
  run("a", { lr: 0.1, opt: "adam" }, { acc: 0.5, _step: 9 }, ["x"]),
  run("b", { lr: 0.01, opt: "sgd" }, { acc: 0.9, _step: 9 }),
  run("c", { lr: 0.001, opt: "adam" }, { acc: 0.7, _step: 9 }),
  run("d", { lr: 0.01, opt: "adam" }, { acc: "n/a" }),
];

describe("bar panel", () => {
  it("sorts runs by value and leaves out runs without a number", () => {
    const bars = barsOf(runs, "summary.acc", { sort: "desc", colorOf: (id) => `#${id}` });
    expect(bars.map((b) => [b.id, b.value, b.color])).toEqual([["b", 0.9, "#b"], ["c", 0.7, "#c"], ["a", 0.5, "#a"]]);
    expect(barsOf(runs, "summary.acc", { sort: "asc", colorOf: () => "" }).map((b) => b.id)).toEqual(["a", "c", "b"]);
  });

  it("aggregates per group", () => {
    const group = { valueOf: (r: Run) => String(r.config.opt), how: "mean" as const };
    const bars = barsOf(runs, "summary.acc", { sort: "none", colorOf: (id) => id, group });
    expect(bars).toEqual([
      { id: "group:adam", label: "adam", value: 0.6, color: "group:adam", n: 2 },
      { id: "group:sgd", label: "sgd", value: 0.9, color: "group:sgd", n: 1 },
    ]);
    const max = barsOf(runs, "summary.acc", { sort: "none", colorOf: (id) => id, group: { ...group, how: "max" } });
    expect(max[0]!.value).toBe(0.7);
  });
});

describe("run comparer", () => {
  it("lists every key and marks the rows that differ", () => {
    const rows = compareRows(runs.slice(0, 2));
    const byField = new Map(rows.map((r) => [r.field, r]));
    expect(byField.get("config.lr")).toEqual({ field: "config.lr", values: ["0.1", "0.01"], differs: true });
    expect(byField.get("state")!.differs).toBe(false);
    expect(byField.get("tags")!.values).toEqual(["x", ""]);
    expect(byField.has("summary._step")).toBe(false);
    const same = compareRows([runs[0]!, runs[2]!]);
    expect(same.find((r) => r.field === "config.opt")!.differs).toBe(false);
  });
});

describe("parallel coordinates brush", () => {
  it("is a filter in the axis's values, and back", () => {
    const log = pcAxis(runs, "config.lr", true);
    const opt = pcAxis(runs, "config.opt", false);
    const brushes = new Map<string, readonly [number, number]>([["config.lr", [0.4, 1]], ["config.opt", [0, 0.2]]]);
    const filter = brushFilter([log, opt], brushes);
    const and = filter!.$and as { [k: string]: { $gte: number; $lte: number } | { $in: string[] } }[];
    const lr = and[0]!["config.lr"] as { $gte: number; $lte: number };
    // 0.001..0.1 on a log scale: 0.4 of the way is 10^-2.2.
    expect(lr.$gte).toBeCloseTo(Math.pow(10, -2.2), 9);
    expect(lr.$lte).toBeCloseTo(0.1, 9);
    expect(and[1]).toEqual({ "config.opt": { $in: ["adam"] } });
    const back = brushesOf([log, opt], filter);
    expect(back.get("config.lr")![0]).toBeCloseTo(0.4, 6);
    expect(back.get("config.lr")![1]).toBeCloseTo(1, 6);
    expect(back.get("config.opt")).toEqual([0, 0]);
    expect(brushFilter([log], new Map())).toBeNull();
  });
});

describe("panel options", () => {
  it("drops what has the wrong type", () => {
    expect(cleanOptions({ x: "config.lr", y: 3, fields: ["a", 2], sort: "up", onlyDiffs: true })).toEqual({
      x: "config.lr", fields: ["a"], onlyDiffs: true,
    });
    expect(cleanOptions("nope")).toBeUndefined();
  });

  it("travel in a layout read from the store, a view or a link", () => {
    const layout = cleanLayout({
      sections: [{ id: "s", name: "S", panels: [
        { id: "a", type: "importance", settings: { options: { field: "summary.loss", fields: "x" } } },
        { id: "b", type: "comparer", settings: { options: { onlyDiffs: true } } },
        { id: "c", type: "pie", settings: {} },
      ] }],
    });
    expect(layout!.sections[0]!.panels).toEqual([
      { id: "a", type: "importance", settings: { options: { field: "summary.loss" } } },
      { id: "b", type: "comparer", settings: { options: { onlyDiffs: true } } },
    ]);
  });
});
