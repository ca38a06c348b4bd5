import { describe, expect, it } from "vitest";
import { debiasedEma } from "./smoothing";

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
