/** The data range a chart shows: x from the zoom or the lines, y from every value drawn in
 * that x range, band extremes included (so the y axis always has room for a spike). */
import type { DrawLine } from "./lines";
import { indexAtOrBefore } from "./lines";

export interface Extents {
  x: [number, number];
  y: [number, number];
  /** The largest value of the lines as drawn (smoothed, without raw lines or bands). */
  drawnMax: number;
}

function xRangeOf(lines: readonly DrawLine[], monotonic: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) {
    if (!l.len) continue;
    if (monotonic) {
      lo = Math.min(lo, l.xs[0]!);
      hi = Math.max(hi, l.xs[l.len - 1]!);
    } else {
      for (let i = 0; i < l.len; i++) {
        const x = l.xs[i]!;
        if (Number.isFinite(x)) {
          if (x < lo) lo = x;
          if (x > hi) hi = x;
        }
      }
    }
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;
}

export function extentsOf(
  lines: readonly DrawLine[],
  zoom: readonly [number, number] | null,
  log: boolean,
  monotonic: boolean,
): Extents | null {
  const x = zoom ? ([zoom[0], zoom[1]] as [number, number]) : xRangeOf(lines, monotonic);
  if (!x) return null;
  let lo = Infinity;
  let hi = -Infinity;
  let drawnMax = -Infinity;
  const take = (v: number) => {
    if (!Number.isFinite(v) || (log && v <= 0)) return;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  for (const l of lines) {
    let i0 = 0;
    let i1 = l.len - 1;
    if (monotonic && zoom) {
      i0 = Math.max(0, indexAtOrBefore(l.xs, l.len, x[0]));
      i1 = indexAtOrBefore(l.xs, l.len, x[1]);
    }
    for (let i = i0; i <= i1; i++) {
      if (!monotonic && zoom && (l.xs[i]! < x[0] || l.xs[i]! > x[1])) continue;
      take(l.ys[i]!);
      if (l.ys[i]! > drawnMax && Number.isFinite(l.ys[i]!)) drawnMax = l.ys[i]!;
      if (l.raw) take(l.raw[i]!);
      if (l.lo) take(l.lo[i]!);
      if (l.hi) take(l.hi[i]!);
    }
  }
  if (!Number.isFinite(lo)) return { x, y: log ? [1, 10] : [0, 1], drawnMax: NaN };
  return { x, y: [lo, hi], drawnMax };
}

/** A panel's own y range (`yMin`/`yMax`, either may be null), or the 5th to 95th
 * percentile of the values drawn (`ignoreOutliers`: spikes go off the chart), over the
 * extents; and for a log x axis, x from the smallest positive value. */
export interface OwnScale {
  yMin?: number | null;
  yMax?: number | null;
  ignoreOutliers?: boolean;
  logX?: boolean;
}

function percentile(sorted: Float64Array, q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

export function withOwnScale(ext: Extents | null, lines: readonly DrawLine[], own: OwnScale, log: boolean): Extents | null {
  if (!ext) return ext;
  let [x0, x1] = ext.x;
  let [y0, y1] = ext.y;
  if (own.logX && x0 <= 0) {
    let least = Infinity;
    for (const l of lines) for (let i = 0; i < l.len; i++) if (l.xs[i]! > 0 && l.xs[i]! < least) least = l.xs[i]!;
    x0 = Number.isFinite(least) ? least : 1;
    if (x1 <= x0) x1 = x0 * 10;
  }
  if (own.ignoreOutliers) {
    const values: number[] = [];
    for (const l of lines)
      for (let i = 0; i < l.len; i++) {
        const x = l.xs[i]!;
        const v = l.ys[i]!;
        if (x >= x0 && x <= x1 && Number.isFinite(v) && (!log || v > 0)) values.push(v);
      }
    if (values.length >= 4) {
      const sorted = Float64Array.from(values).sort();
      y0 = percentile(sorted, 0.05);
      y1 = percentile(sorted, 0.95);
    }
  }
  if (typeof own.yMin === "number" && Number.isFinite(own.yMin) && (!log || own.yMin > 0)) y0 = own.yMin;
  if (typeof own.yMax === "number" && Number.isFinite(own.yMax)) y1 = own.yMax;
  if (!(y1 > y0)) y1 = y0 + (log ? y0 * 9 || 1 : 1);
  return { x: [x0, x1], y: [y0, y1], drawnMax: ext.drawnMax };
}
