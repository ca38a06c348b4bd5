import { describe, expect, it } from "vitest";
import { appendItems, asList, itemAt, itemsUrl, joinDocs, nextStep, tableDigests, type MediaItem } from "../api/media";
import { heat, ROWS } from "./HistogramPanel";
import { classesOf } from "./Overlays";

const items: MediaItem[] = [
  { step: 0, value: { _type: "histogram", values: [1, 3], bins: [0, 1, 2] } },
  { step: 5, value: { _type: "histogram", values: [4], bins: [2, 4] } },
];

describe("itemAt", () => {
  it("takes the latest item at or before the step, else the first", () => {
    expect(itemAt(items, 3)?.step).toBe(0);
    expect(itemAt(items, 5)?.step).toBe(5);
    expect(itemAt(items, 99)?.step).toBe(5);
    expect(asList(undefined)).toEqual([]);
  });
});

describe("asList", () => {
  const a = { _type: "image-file", sha256: "a", width: 6, height: 8 };
  const b = { _type: "image-file", sha256: "b", width: 6, height: 8 };

  it("reads one reference, a list of them, and wandb's images/separated shape", () => {
    expect(asList(a)).toEqual([a]);
    expect(asList([a, b])).toEqual([a, b]);
    const group = { _type: "images/separated", width: 6, height: 8, format: "png", count: 2, images: [a, b] };
    expect(asList(group)).toEqual([a, b]);
    expect(asList({ _type: "images/separated", count: 2 })).toEqual([]);
  });
});

describe("joinDocs", () => {
  it("reads an INCREMENTAL table's increments as one table, oldest rows first", () => {
    const doc = joinDocs([{ columns: ["x"], data: [[1]] }, { columns: ["x"], data: [[2], [3]] }]);
    expect(doc).toEqual({ columns: ["x"], data: [[1], [2], [3]] });
    expect(joinDocs([])).toEqual({ columns: [], data: [] });
    expect(tableDigests({ _type: "incremental-table-file", sha256: "c", previous_increments: ["a", "b"] })).toEqual(["a", "b", "c"]);
    expect(tableDigests({ _type: "table-file", sha256: "c" })).toEqual(["c"]);
  });
});

describe("heat", () => {
  it("spans every histogram's range and keeps each step's shares", () => {
    const map = heat(items);
    expect([map.lo, map.hi]).toEqual([0, 4]);
    const first = map.columns[0]!;
    const total = first.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1);
    // the first step's counts sit in the lower half of the range, 1 : 3
    const lower = first.slice(0, ROWS / 4).reduce((a, b) => a + b, 0);
    const upper = first.slice(ROWS / 4, ROWS / 2).reduce((a, b) => a + b, 0);
    expect(upper / lower).toBeCloseTo(3);
    expect(first.slice(ROWS / 2).every((v) => v === 0)).toBe(true);
  });
});

describe("classesOf", () => {
  it("collects class names from boxes and masks, by id", () => {
    const classes = classesOf([{
      _type: "image-file",
      boxes: { p: { box_data: [{ position: {}, class_id: 7 }], class_labels: { "1": "cat" } } },
      masks: { m: { sha256: "x", class_labels: { "0": "bg", "1": "kitty" } } },
    }]);
    expect(classes.map((c) => [c.id, c.name])).toEqual([[0, "bg"], [1, "cat"], [7, "7"]]);
  });
});

describe("fetching a key's items", () => {
  it("asks for a spread of steps from the step after those loaded, and appends", () => {
    expect(itemsUrl("e", "p", "r", "a/b")).toBe("/api/v1/runs/e/p/r/media/a/b?limit=1000&spread=1");
    expect(nextStep(items)).toBe(6);
    expect(itemsUrl("e", "p", "r", "k", nextStep(items))).toContain("&min_step=6");
    const fresh: MediaItem[] = [{ step: 5, value: items[1]!.value }, { step: 9, value: items[0]!.value }];
    expect(appendItems(items, fresh).map((i) => i.step)).toEqual([0, 5, 9]);
    expect(nextStep([])).toBe(0);
  });
});

describe("withBundledSchema", () => {
  it("names older Vega-Lite specs as the bundled version and leaves others alone", async () => {
    const { withBundledSchema } = await import("./loggedSpec");
    const v5 = { $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: "line" };
    expect(withBundledSchema(v5).$schema).toBe("https://vega.github.io/schema/vega-lite/v6.json");
    expect(withBundledSchema({ $schema: "https://vega.github.io/schema/vega-lite/v4.17.0.json" }).$schema).toContain("/v6.json");
    const vega = { $schema: "https://vega.github.io/schema/vega/v5.json" };
    expect(withBundledSchema(vega)).toBe(vega);
    expect(withBundledSchema({ mark: "bar" })).toEqual({ mark: "bar" });
  });
});
