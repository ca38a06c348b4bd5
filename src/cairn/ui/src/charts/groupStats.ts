/** A group's line under a panel's own settings: per x bin, each run's value (its mean in
 * the bin), then the line is their mean, median, min or max, and the band is the min–max
 * of the runs' points, or the standard deviation or standard error of the runs' values
 * around the line. The default (mean, min–max) is `lines.ts`'s own group line. */
import type { Aggregate, Band } from "./layout";
import type { Series } from "./series";

export interface GroupBase {
  len: number;
  xs: Float64Array;
  ys: Float64Array;
  counts: Float64Array | null;
  lo: Float64Array | null;
  hi: Float64Array | null;
}

function aggregateOf(values: number[], how: Aggregate): number {
  if (!values.length) return NaN;
  if (how === "min") return Math.min(...values);
  if (how === "max") return Math.max(...values);
  if (how === "median") {
    const v = [...values].sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
  }
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function spread(values: number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const ss = values.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  return Math.sqrt(ss / (values.length - 1));
}

export function groupBase(members: readonly Series[], bins: number, how: Aggregate, band: Band): GroupBase {
  let x0 = Infinity;
  let x1 = -Infinity;
  for (const s of members)
    for (let i = 0; i < s.len; i++) {
      const x = s.xAt(i);
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
    }
  const empty = { len: 0, xs: new Float64Array(0), ys: new Float64Array(0), counts: null, lo: null, hi: null };
  if (!(x1 >= x0)) return empty;
  const nb = x1 === x0 ? 1 : Math.max(1, bins);
  const width = (x1 - x0) / nb;
  const perBin: number[][] = Array.from({ length: nb }, () => []);
  const lows = new Float64Array(nb).fill(Infinity);
  const highs = new Float64Array(nb).fill(-Infinity);
  const points = new Float64Array(nb);
  const sum = new Float64Array(nb);
  const n = new Float64Array(nb);
  for (const s of members) {
    sum.fill(0);
    n.fill(0);
    for (let i = 0; i < s.len; i++) {
      const x = s.xAt(i);
      const v = s.mean[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(v)) continue;
      const b = Math.min(nb - 1, width > 0 ? Math.floor((x - x0) / width) : 0);
      sum[b]! += v;
      n[b]! += 1;
      points[b]! += s.count[i]!;
      if (Number.isFinite(s.min[i]!)) lows[b] = Math.min(lows[b]!, s.min[i]!);
      if (Number.isFinite(s.max[i]!)) highs[b] = Math.max(highs[b]!, s.max[i]!);
    }
    for (let b = 0; b < nb; b++) if (n[b]! > 0) perBin[b]!.push(sum[b]! / n[b]!);
  }
  const kept = perBin.map((v, b) => (v.length ? b : -1)).filter((b) => b >= 0);
  const out = {
    len: kept.length,
    xs: new Float64Array(kept.length),
    ys: new Float64Array(kept.length),
    counts: new Float64Array(kept.length),
    lo: band === "none" ? null : new Float64Array(kept.length),
    hi: band === "none" ? null : new Float64Array(kept.length),
  };
  kept.forEach((b, j) => {
    const values = perBin[b]!;
    const y = aggregateOf(values, how);
    out.xs[j] = x0 + (b + 0.5) * width;
    out.ys[j] = y;
    out.counts[j] = points[b]! / values.length;
    if (!out.lo || !out.hi) return;
    if (band === "minmax") {
      out.lo[j] = lows[b]!;
      out.hi[j] = highs[b]!;
    } else {
      const d = band === "stddev" ? spread(values) : spread(values) / Math.sqrt(values.length);
      out.lo[j] = y - d;
      out.hi[j] = y + d;
    }
  });
  return out;
}
