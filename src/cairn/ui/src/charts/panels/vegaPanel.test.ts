import { describe, expect, it } from "vitest";
import { panelSpec, parseSpec, runRow } from "./vegaPanel";

describe("the Vega panel's spec", () => {
  const runs = [
    { label: "a", color: "#111111", rows: [{ x: 1 }, { x: 2 }] },
    { label: "b", color: "#222222", rows: [{ x: 3 }] },
  ];

  it("gives the rows of every run, each with its run", () => {
    const spec = panelSpec({ mark: "point", data: { name: "wandb" } }, runs, 200);
    expect(spec.data).toEqual({ values: [{ x: 1, run: "a" }, { x: 2, run: "a" }, { x: 3, run: "b" }] });
    expect(spec.height).toBe(200);
  });

  it("colours by run in the runs' colours unless the spec has a scale", () => {
    const spec = panelSpec({ mark: "point", encoding: { color: { field: "run" } } }, runs, 100);
    expect(spec.encoding).toEqual({ color: { field: "run", scale: { domain: ["a", "b"], range: ["#111111", "#222222"] } } });
    const own = panelSpec({ mark: "point", encoding: { color: { field: "run", scale: { scheme: "x" } } } }, runs, 100);
    expect(own.encoding).toEqual({ color: { field: "run", scale: { scheme: "x" } } });
  });

  it("colours a spec without colour by run when it draws several runs", () => {
    const spec = panelSpec({ mark: "line", encoding: { x: { field: "x" } } }, runs, 100);
    expect(spec.encoding).toEqual({
      x: { field: "x" },
      color: { field: "run", type: "nominal", scale: { domain: ["a", "b"], range: ["#111111", "#222222"] } },
    });
    const one = panelSpec({ mark: "line", encoding: { x: { field: "x" } } }, runs.slice(0, 1), 100);
    expect(one.encoding).toEqual({ x: { field: "x" } });
  });

  it("keeps a spec's own data source (the renderer refuses to load it)", () => {
    expect(panelSpec({ data: { url: "https://example.com/x.json" } }, runs, 100).data).toEqual({ url: "https://example.com/x.json" });
  });

  it("says what is wrong with a pasted spec", () => {
    expect(() => parseSpec("{nope")).toThrow(/not JSON/);
    expect(() => parseSpec("[1]")).toThrow(/JSON object/);
    expect(parseSpec('{"mark": "bar"}')).toEqual({ mark: "bar" });
  });

  it("makes a run a row with its config and summary", () => {
    const run = { id: "r1", name: "n", state: "finished", config: { lr: 0.1 }, summary: { acc: 0.9 } };
    expect(runRow("n", run)).toEqual({ run: "n", id: "r1", name: "n", state: "finished", config: { lr: 0.1 }, summary: { acc: 0.9 } });
    expect(runRow("gone", undefined)).toEqual({ run: "gone" });
  });
});
