import { describe, expect, it } from "vitest";
import { groupBase } from "./groupStats";
import { legendLabel } from "./legendTemplate";
import { Series } from "./series";
import type { Run } from "../api/types";

function series(points: [number, number][]): Series {
  const s = new Series(16, 1000);
  s.append(points.map((p) => p[0]), points.map((p) => p[0]), points.map((p) => p[1]));
  return s;
}

describe("groupBase", () => {
  const runs = [series([[0, 1], [10, 1]]), series([[0, 2], [10, 2]]), series([[0, 9], [10, 100]])];

  it("aggregates the runs' values per bin", () => {
    expect(Array.from(groupBase(runs, 2, "median", "none").ys)).toEqual([2, 2]);
    expect(Array.from(groupBase(runs, 2, "min", "none").ys)).toEqual([1, 1]);
    expect(Array.from(groupBase(runs, 2, "max", "none").ys)).toEqual([9, 100]);
    expect(groupBase(runs, 2, "max", "none").lo).toBeNull();
  });

  it("bands by min–max, standard deviation or standard error", () => {
    const minmax = groupBase(runs, 2, "mean", "minmax");
    expect(Array.from(minmax.lo!)).toEqual([1, 1]);
    expect(Array.from(minmax.hi!)).toEqual([9, 100]);
    const sd = groupBase(runs, 2, "mean", "stddev");
    const se = groupBase(runs, 2, "mean", "stderr");
    // values 1, 2, 9: mean 4, sample sd sqrt(19)
    expect(sd.hi![0]! - sd.ys[0]!).toBeCloseTo(Math.sqrt(19), 12);
    expect(se.hi![0]! - se.ys[0]!).toBeCloseTo(Math.sqrt(19) / Math.sqrt(3), 12);
  });
});

describe("legendLabel", () => {
  it("fills run, metric, config and summary fields", () => {
    const spec = { id: "r1", label: "alpha", color: "#000000", runs: ["r1"], group: false };
    const run = { config: { opt: { lr: 0.1 } }, summary: { best: 0.9 }, group: "g" } as unknown as Run;
    expect(legendLabel("{run} {metric} lr={config.opt.lr} best={summary.best} {group} {nope}", spec, "loss", run)).toBe(
      "alpha loss lr=0.1 best=0.9 g ",
    );
  });
});
