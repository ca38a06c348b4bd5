import { describe, expect, it } from "vitest";
import type { Run } from "../api/types";
import { inBrushes, pcAxis } from "./parallel";

const run = (id: string, config: Record<string, unknown>) => ({ id, name: id, config, summary: {} }) as unknown as Run;

describe("parallel coordinates axes", () => {
  const runs = [run("a", { lr: 0.0001, opt: "sgd" }), run("b", { lr: 0.01, opt: "adam" }), run("c", { lr: 0.1, opt: "adam" })];

  it("puts a positive numeric key on a log scale with decade ticks", () => {
    const axis = pcAxis(runs, "config.lr", true);
    expect(axis.kind).toBe("log");
    expect(axis.pos(runs[1]!)).toBeCloseTo(2 / 3, 12);
    expect(axis.ticks.map((t) => t.text)).toEqual(["0.0001", "0.001", "0.01", "0.1"]);
  });

  it("stays linear when a value is not positive", () => {
    const axis = pcAxis([...runs, run("d", { lr: 0 })], "config.lr", true);
    expect(axis.canLog).toBe(false);
    expect(axis.kind).toBe("linear");
  });

  it("spreads text values as categories in natural order", () => {
    const axis = pcAxis(runs, "config.opt", false);
    expect(axis.kind).toBe("category");
    expect(axis.ticks.map((t) => t.text)).toEqual(["adam", "sgd"]);
    expect(axis.pos(runs[0]!)).toBe(1);
  });

  it("keeps the runs inside every brush", () => {
    const axes = [pcAxis(runs, "config.lr", true), pcAxis(runs, "config.opt", false)];
    const brushes = new Map<string, readonly [number, number]>([["config.lr", [0.5, 1]]]);
    expect(runs.filter((r) => inBrushes(r, axes, brushes)).map((r) => r.id)).toEqual(["b", "c"]);
    brushes.set("config.opt", [0.9, 1]);
    expect(runs.filter((r) => inBrushes(r, axes, brushes)).map((r) => r.id)).toEqual([]);
  });
});
