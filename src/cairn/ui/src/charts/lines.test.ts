import { describe, expect, it } from "vitest";
import { buildLine, indexAtOrBefore, nearestIndex } from "./lines";
import { Series } from "./series";

function series(points: [number, number][]): Series {
  const s = new Series(16, 1000);
  s.append(points.map((p) => p[0]), points.map((p) => p[0]), points.map((p) => p[1]));
  return s;
}

/** Points (x, y) logged at steps 0, 1, 2, …: x need not grow with the step. */
function metricSeries(points: [number, number][]): Series {
  const s = new Series(16, 1000);
  s.append(points.map((_, i) => i), points.map((p) => p[0]), points.map((p) => p[1]));
  return s;
}

const spec = (runs: string[], group: boolean) => ({ id: "g", label: "g", color: "#000000", runs, group });

describe("buildLine", () => {
  it("draws one run as its own points, without a band when every bucket is one point", () => {
    const line = buildLine(spec(["a"], false), [series([[0, 1], [1, 2]])], 0, 100);
    expect(Array.from(line.ys)).toEqual([1, 2]);
    expect(line.lo).toBeNull();
    expect(line.raw).toBeNull();
  });

  it("draws a group as the mean of its runs with their min and max as the band", () => {
    const a = series([[0, 1], [10, 3]]);
    const b = series([[0, 3], [10, 7]]);
    const line = buildLine(spec(["a", "b"], true), [a, b], 0, 2);
    expect(Array.from(line.ys)).toEqual([2, 5]);
    expect(Array.from(line.lo!)).toEqual([1, 3]);
    expect(Array.from(line.hi!)).toEqual([3, 7]);
  });

  it("keeps the raw values beside smoothed ones", () => {
    const line = buildLine(spec(["a"], false), [series([[0, 1], [1, 5], [2, 1]])], 0.5, 100);
    expect(Array.from(line.raw!)).toEqual([1, 5, 1]);
    expect(line.ys[0]).toBeCloseTo(1, 12);
    expect(line.ys[1]).not.toBe(5);
  });
});

describe("buildLine with a metric as x", () => {
  it("joins the points in x order, not step order", () => {
    // (x, y) logged in step order; x goes back and forth.
    const line = buildLine(spec(["a"], false), [metricSeries([[3, 30], [1, 10], [4, 40], [2, 20]])], 0, 100, true);
    expect(Array.from(line.xs)).toEqual([1, 2, 3, 4]);
    expect(Array.from(line.ys)).toEqual([10, 20, 30, 40]);
  });

  it("bins a group over every point's x, not the first and last", () => {
    const a = metricSeries([[5, 1], [0, 3], [10, 5]]);
    const line = buildLine(spec(["a"], true), [a], 0, 2, true);
    expect(line.xs[0]).toBeCloseTo(2.5, 12);
    expect(line.xs[1]).toBeCloseTo(7.5, 12);
  });
});

describe("index search", () => {
  const xs = Float64Array.from([0, 10, 20, 30]);
  it("finds the point at or before x, and the nearest", () => {
    expect(indexAtOrBefore(xs, 4, -1)).toBe(-1);
    expect(indexAtOrBefore(xs, 4, 10)).toBe(1);
    expect(indexAtOrBefore(xs, 4, 29)).toBe(2);
    expect(nearestIndex(xs, 4, 26)).toBe(3);
    expect(nearestIndex(xs, 4, 24)).toBe(2);
    expect(nearestIndex(xs, 4, 99)).toBe(3);
  });
});
