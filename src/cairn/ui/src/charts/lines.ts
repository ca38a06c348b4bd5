/** What a chart draws: lines (a run, or a group's mean) with their min–max band, built from
 * series and smoothed. Cached per series version so a redraw costs no copying. */
import { debiasedEma } from "../lib/smoothing";
import { nanMax, nanMin, type Series } from "./series";

export interface DrawLine {
  id: string;
  label: string;
  color: string;
  len: number;
  xs: Float64Array;
  /** The drawn values (smoothed when smoothing is on). */
  ys: Float64Array;
  /** The unsmoothed values, drawn faintly behind a smoothed line; null when not smoothed. */
  raw: Float64Array | null;
  /** The band: min and max per point; null when every point stands alone. */
  lo: Float64Array | null;
  hi: Float64Array | null;
  /** True for a group's aggregate line. */
  group: boolean;
}

export interface LineSpec {
  id: string;
  label: string;
  color: string;
  /** One run, or a group's members. */
  runs: string[];
  group: boolean;
}

interface Base {
  len: number;
  xs: Float64Array;
  ys: Float64Array;
  lo: Float64Array | null;
  hi: Float64Array | null;
}

const baseCache = new WeakMap<Series, { version: number; base: Base }>();

function baseOfSeries(s: Series): Base {
  const hit = baseCache.get(s);
  if (hit && hit.version === s.version && hit.base.len === s.len) return hit.base;
  const n = s.len;
  const xs = new Float64Array(n);
  let banded = false;
  for (let i = 0; i < n; i++) {
    xs[i] = s.xAt(i);
    if (s.count[i]! > 1 && s.min[i] !== s.max[i]) banded = true;
  }
  const base: Base = {
    len: n,
    xs,
    ys: s.mean.subarray(0, n),
    lo: banded ? s.min.subarray(0, n) : null,
    hi: banded ? s.max.subarray(0, n) : null,
  };
  baseCache.set(s, { version: s.version, base });
  return base;
}

/** A group as one line: the mean over its runs of their values, with the min and max of
 * all of them as the band, on a grid of `bins` equal x ranges. */
function baseOfGroup(members: readonly Series[], bins: number): Base {
  let x0 = Infinity;
  let x1 = -Infinity;
  for (const s of members) {
    if (!s.len) continue;
    x0 = Math.min(x0, s.xAt(0));
    x1 = Math.max(x1, s.xAt(s.len - 1));
  }
  if (!(x1 >= x0)) return { len: 0, xs: new Float64Array(0), ys: new Float64Array(0), lo: null, hi: null };
  const nb = x1 === x0 ? 1 : Math.max(1, bins);
  const width = (x1 - x0) / nb;
  const sum = new Float64Array(nb);
  const runs = new Float64Array(nb);
  const xsum = new Float64Array(nb);
  const lo = new Float64Array(nb).fill(NaN);
  const hi = new Float64Array(nb).fill(NaN);
  const runSum = new Float64Array(nb);
  const runN = new Float64Array(nb);
  for (const s of members) {
    runSum.fill(0);
    runN.fill(0);
    for (let i = 0; i < s.len; i++) {
      const x = s.xAt(i);
      const b = Math.min(nb - 1, width > 0 ? Math.floor((x - x0) / width) : 0);
      lo[b] = nanMin(lo[b]!, s.min[i]!);
      hi[b] = nanMax(hi[b]!, s.max[i]!);
      const v = s.mean[i]!;
      if (Number.isFinite(v)) {
        runSum[b]! += v;
        runN[b]! += 1;
        xsum[b]! += x;
      }
    }
    for (let b = 0; b < nb; b++) {
      if (runN[b]! > 0) {
        sum[b]! += runSum[b]! / runN[b]!;
        runs[b]! += 1;
      }
    }
  }
  let n = 0;
  for (let b = 0; b < nb; b++) if (runs[b]! > 0 || !Number.isNaN(hi[b]!)) n++;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const l = new Float64Array(n);
  const h = new Float64Array(n);
  let j = 0;
  for (let b = 0; b < nb; b++) {
    if (!(runs[b]! > 0 || !Number.isNaN(hi[b]!))) continue;
    xs[j] = x0 + (b + 0.5) * width;
    ys[j] = runs[b]! > 0 ? sum[b]! / runs[b]! : NaN;
    l[j] = lo[b]!;
    h[j] = hi[b]!;
    j++;
  }
  return { len: n, xs, ys, lo: l, hi: h };
}

const smoothCache = new WeakMap<Float64Array, { weight: number; len: number; out: Float64Array }>();

function smoothed(ys: Float64Array, len: number, weight: number): Float64Array {
  const hit = smoothCache.get(ys);
  if (hit && hit.weight === weight && hit.len === len) return hit.out;
  const result = debiasedEma(ys, len, weight, new Float64Array(len));
  smoothCache.set(ys, { weight, len, out: result });
  return result;
}

export function buildLine(spec: LineSpec, members: readonly Series[], smoothing: number, bins: number): DrawLine {
  const base =
    !spec.group && members.length === 1 ? baseOfSeries(members[0]!) : baseOfGroup(members, bins);
  const smooth = smoothing > 0 && base.len > 2;
  return {
    id: spec.id,
    label: spec.label,
    color: spec.color,
    group: spec.group,
    len: base.len,
    xs: base.xs,
    ys: smooth ? smoothed(base.ys, base.len, smoothing) : base.ys,
    raw: smooth ? base.ys : null,
    lo: base.lo,
    hi: base.hi,
  };
}

/** Index of the last point at or before x (xs ascending), or -1. */
export function indexAtOrBefore(xs: Float64Array, len: number, x: number): number {
  let lo = 0;
  let hi = len - 1;
  if (len === 0 || xs[0]! > x) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Index of the point nearest to x (xs ascending), or -1. */
export function nearestIndex(xs: Float64Array, len: number, x: number): number {
  if (len === 0) return -1;
  const i = indexAtOrBefore(xs, len, x);
  if (i < 0) return 0;
  if (i >= len - 1) return len - 1;
  return x - xs[i]! <= xs[i + 1]! - x ? i : i + 1;
}
