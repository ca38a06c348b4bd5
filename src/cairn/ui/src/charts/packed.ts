/** Envelopes as typed arrays: JSON series (numbers, null for NaN, "Infinity" strings)
 * unpacked once into one Float64Array per series, which a worker can hand over without
 * copying. Layout: FIELDS.length blocks of n values each. */
import type { WireEnvelope } from "../api/types";
import { wireNumber } from "../api/values";

export const FIELDS = ["x", "x_last", "min", "max", "mean", "last", "count", "step_last"] as const;

export interface PackedSeries {
  run: string;
  key: string;
  totalPoints: number;
  n: number;
  data: Float64Array;
}

export function pack(env: WireEnvelope): PackedSeries {
  const n = env.count.length;
  const data = new Float64Array(n * FIELDS.length);
  FIELDS.forEach((field, f) => {
    const values = env[field];
    const base = f * n;
    for (let i = 0; i < n; i++) data[base + i] = wireNumber(values[i]);
  });
  return { run: env.run, key: env.key, totalPoints: env.total_points, n, data };
}

export function field(p: PackedSeries, name: (typeof FIELDS)[number]): Float64Array {
  const f = FIELDS.indexOf(name);
  return p.data.subarray(f * p.n, (f + 1) * p.n);
}
