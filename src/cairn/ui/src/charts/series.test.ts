import { describe, expect, it } from "vitest";
import type { WireEnvelope } from "../api/types";
import { Series } from "./series";

function envelope(values: (number | null | "Infinity")[]): WireEnvelope {
  const steps = values.map((_, i) => i);
  return {
    run: "r", key: "k", kind: "f", total_points: values.length,
    x: steps, x_last: steps, min: values, max: values, mean: values, last: values,
    count: values.map(() => 1), step_first: steps, step_last: steps,
  };
}

describe("Series", () => {
  it("decodes NaN (null) and infinities from the wire", () => {
    const s = Series.fromEnvelope(envelope([1, null, "Infinity"]), 100);
    expect(s.len).toBe(3);
    expect(s.mean[1]).toBeNaN();
    expect(s.max[2]).toBe(Infinity);
    expect(s.lastStep).toBe(2);
  });

  it("appends only points after its last step", () => {
    const s = Series.fromEnvelope(envelope([1, 2]), 100);
    expect(s.append([1, 2, 3], [1, 2, 3], [9, 3, 4])).toBe(true);
    expect(s.len).toBe(4);
    expect(Array.from(s.mean.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    expect(s.append([3], [3], [5])).toBe(false);
  });

  it("halves past twice its budget without losing a spike", () => {
    const s = new Series(4, 8);
    const steps = Array.from({ length: 17 }, (_, i) => i);
    const values = steps.map((i) => (i === 11 ? 1000 : i === 4 ? -50 : 1));
    s.append(steps, steps, values);
    expect(s.len).toBe(9);
    expect(Math.max(...s.max.subarray(0, s.len))).toBe(1000);
    expect(Math.min(...s.min.subarray(0, s.len))).toBe(-50);
    expect(s.count.subarray(0, s.len).reduce((a, b) => a + b, 0)).toBe(17);
    expect(s.xFirst[0]).toBe(0);
    expect(s.xLast[s.len - 1]).toBe(16);
  });
});
