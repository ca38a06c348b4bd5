import { describe, expect, it } from "vitest";
import { debiasedEma, gaussianSmooth, runningAverage } from "./smoothing";

/** TensorBoard's smoothing, written out as its source does it (vz_line_chart2). */
function tensorboard(values: number[], weight: number): number[] {
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return weight === 1 ? last : last / (1 - Math.pow(weight, n));
  });
}

describe("debiasedEma", () => {
  const values = [1, 5, 2, 8, 3, 3, 9, 0, 4];

  it("matches TensorBoard's debiased EMA", () => {
    for (const w of [0.1, 0.6, 0.9, 0.99]) {
      const got = Array.from(debiasedEma(Float64Array.from(values), values.length, w));
      tensorboard(values, w).forEach((want, i) => expect(got[i]).toBeCloseTo(want, 12));
    }
  });

  it("starts at the first value (debiased, not pulled to zero)", () => {
    expect(debiasedEma(Float64Array.from([10, 10, 10]), 3, 0.9)[0]).toBeCloseTo(10, 12);
  });

  it("leaves values unchanged at weight 0", () => {
    expect(Array.from(debiasedEma(Float64Array.from(values), values.length, 0))).toEqual(values);
  });

  it("passes NaN and infinities through without disturbing the average", () => {
    const out = debiasedEma(Float64Array.from([1, NaN, Infinity, 1]), 4, 0.5);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(Infinity);
    expect(out[3]).toBeCloseTo(1, 12);
  });
});

describe("debiasedEma with bucket counts", () => {
  it("smooths buckets of points as it smooths the points themselves", () => {
    // 2,000 points, one spike; buckets of 20 points each hold their mean.
    const points = Array.from({ length: 2000 }, (_, i) => (i === 1510 ? 100 : 1));
    const w = 0.99;
    const fine = debiasedEma(Float64Array.from(points), points.length, w);
    const means: number[] = [];
    for (let b = 0; b < 100; b++) means.push(points.slice(b * 20, b * 20 + 20).reduce((a, v) => a + v, 0) / 20);
    const coarse = debiasedEma(Float64Array.from(means), means.length, w, undefined, new Float64Array(100).fill(20));
    const fineMax = Math.max(...fine);
    const coarseMax = Math.max(...coarse);
    expect(Math.abs(coarseMax - fineMax) / fineMax).toBeLessThan(0.1);
    // One step per bucket (no counts) smooths twenty times harder: the spike all but goes.
    const perBucket = Math.max(...debiasedEma(Float64Array.from(means), means.length, w));
    expect(perBucket - 1).toBeLessThan((fineMax - 1) / 2);
  });

  it("counts of one are TensorBoard's smoothing", () => {
    const values = Float64Array.from([1, 5, 2, 8, 3]);
    const a = debiasedEma(values, 5, 0.6);
    const b = debiasedEma(values, 5, 0.6, undefined, new Float64Array(5).fill(1));
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe("runningAverage and gaussianSmooth", () => {
  it("averages over an x window, weighting buckets by their points", () => {
    const xs = Float64Array.from([0, 1, 2, 3]);
    const ys = Float64Array.from([0, 10, 20, 30]);
    expect(Array.from(runningAverage(xs, ys, 4, 2))).toEqual([0, 5, 15, 25]);
    // The same points bucketed in pairs read the same at the pairs' ends.
    const bx = Float64Array.from([1, 3]);
    const by = Float64Array.from([5, 25]);
    expect(Array.from(runningAverage(bx, by, 2, 4, Float64Array.from([2, 2])))).toEqual([5, 15]);
  });

  it("spreads a spike by a Gaussian in x and keeps the level of a flat line", () => {
    const n = 41;
    const xs = Float64Array.from({ length: n }, (_, i) => i);
    const flat = new Float64Array(n).fill(3);
    expect(Array.from(gaussianSmooth(xs, flat, n, 4)).every((v) => Math.abs(v - 3) < 1e-12)).toBe(true);
    const spike = new Float64Array(n);
    spike[20] = 100;
    const out = gaussianSmooth(xs, spike, n, 4);
    expect(out[20]!).toBeLessThan(15);
    expect(out[20]!).toBeGreaterThan(out[24]!);
    expect(out[24]!).toBeGreaterThan(0);
  });
});
