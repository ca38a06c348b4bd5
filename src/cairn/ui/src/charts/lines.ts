/** What a chart draws: lines (a run, or a group's mean) with their min–max band, built from
 * series and smoothed. Cached per series version so a redraw costs no copying. */
import { debiasedEma, gaussianSmooth, runningAverage } from "../lib/smoothing";
import { groupBase } from "./groupStats";
import type { Aggregate, Band, SmoothingKind } from "./layout";
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
  /** Points behind each value (a bucket's mean), for smoothing at any zoom. */
  counts: Float64Array | null;
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
    counts: s.count.subarray(0, n),
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
    // Every point, not the first and last: a metric as x need not grow with the step.
    for (let i = 0; i < s.len; i++) {
      const x = s.xAt(i);
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
    }
  }
  if (!(x1 >= x0)) return { len: 0, xs: new Float64Array(0), ys: new Float64Array(0), counts: null, lo: null, hi: null };
  const nb = x1 === x0 ? 1 : Math.max(1, bins);
  const width = (x1 - x0) / nb;
  const sum = new Float64Array(nb);
  const runs = new Float64Array(nb);
  const xsum = new Float64Array(nb);
  const lo = new Float64Array(nb).fill(NaN);
  const hi = new Float64Array(nb).fill(NaN);
  const runSum = new Float64Array(nb);
  const runN = new Float64Array(nb);
  // Points per bin and run, summed over runs: a bin's count is its runs' mean count.
  const points = new Float64Array(nb);
  for (const s of members) {
    runSum.fill(0);
    runN.fill(0);
    for (let i = 0; i < s.len; i++) {
      const x = s.xAt(i);
      if (!Number.isFinite(x)) continue;
      const b = Math.min(nb - 1, width > 0 ? Math.floor((x - x0) / width) : 0);
      lo[b] = nanMin(lo[b]!, s.min[i]!);
      hi[b] = nanMax(hi[b]!, s.max[i]!);
      const v = s.mean[i]!;
      if (Number.isFinite(v)) {
        runSum[b]! += v;
        runN[b]! += 1;
        xsum[b]! += x;
        points[b]! += s.count[i]!;
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
  const c = new Float64Array(n);
  let j = 0;
  for (let b = 0; b < nb; b++) {
    if (!(runs[b]! > 0 || !Number.isNaN(hi[b]!))) continue;
    xs[j] = x0 + (b + 0.5) * width;
    ys[j] = runs[b]! > 0 ? sum[b]! / runs[b]! : NaN;
    l[j] = lo[b]!;
    h[j] = hi[b]!;
    c[j] = runs[b]! > 0 ? points[b]! / runs[b]! : 1;
    j++;
  }
  return { len: n, xs, ys, counts: c, lo: l, hi: h };
}

const sortCache = new WeakMap<Base, Base>();

/** A line with a metric as x, its points in x order (they come in step order, and a
 * metric need not grow with the step: joined in step order they scribble). Points with
 * no finite x are left out. */
function sortedByX(base: Base): Base {
  const hit = sortCache.get(base);
  if (hit) return hit;
  const { xs, len } = base;
  let sorted = true;
  for (let i = 1; i < len && sorted; i++) sorted = xs[i - 1]! <= xs[i]!;
  let out = base;
  if (!sorted || xs.some((x, i) => i < len && !Number.isFinite(x))) {
    const idx: number[] = [];
    for (let i = 0; i < len; i++) if (Number.isFinite(xs[i]!)) idx.push(i);
    idx.sort((a, b) => xs[a]! - xs[b]! || a - b);
    const pick = (arr: Float64Array) => Float64Array.from(idx, (i) => arr[i]!);
    out = {
      len: idx.length,
      xs: pick(xs),
      ys: pick(base.ys),
      counts: base.counts && pick(base.counts),
      lo: base.lo && pick(base.lo),
      hi: base.hi && pick(base.hi),
    };
  }
  sortCache.set(base, out);
  return out;
}

const smoothCache = new WeakMap<Float64Array, { weight: number; len: number; out: Float64Array }>();

function smoothed(ys: Float64Array, counts: Float64Array | null, len: number, weight: number): Float64Array {
  const hit = smoothCache.get(ys);
  if (hit && hit.weight === weight && hit.len === len) return hit.out;
  const result = debiasedEma(ys, len, weight, new Float64Array(len), counts);
  smoothCache.set(ys, { weight, len, out: result });
  return result;
}

/** A panel's own way of drawing its lines (`layout.ts` LineSettings); absent parts keep
 * the workspace's (EMA smoothing, a group's mean with its min–max band). */
export interface LineStyle {
  smoothing?: { kind: SmoothingKind; amount: number };
  aggregate?: Aggregate;
  band?: Band;
}

const styledCache = new WeakMap<Float64Array, { key: string; out: Float64Array }>();

function smoothedBy(base: Base, kind: SmoothingKind, amount: number): Float64Array {
  if (kind === "ema") return smoothed(base.ys, base.counts, base.len, amount);
  const key = `${kind}:${amount}:${base.len}`;
  const hit = styledCache.get(base.ys);
  if (hit && hit.key === key) return hit.out;
  const out =
    kind === "running"
      ? runningAverage(base.xs, base.ys, base.len, amount, base.counts)
      : gaussianSmooth(base.xs, base.ys, base.len, amount, base.counts);
  styledCache.set(base.ys, { key, out });
  return out;
}

export function buildLine(
  spec: LineSpec,
  members: readonly Series[],
  smoothing: number,
  bins: number,
  /** The x axis is a metric: order the points by x. */
  sortX = false,
  style: LineStyle = {},
): DrawLine {
  const single = !spec.group && members.length === 1;
  const ownGroup = (style.aggregate ?? "mean") !== "mean" || (style.band ?? "minmax") !== "minmax";
  const unsorted = single
    ? baseOfSeries(members[0]!)
    : ownGroup
      ? groupBase(members, bins, style.aggregate ?? "mean", style.band ?? "minmax")
      : baseOfGroup(members, bins);
  const base = sortX ? sortedByX(unsorted) : unsorted;
  const kind = style.smoothing?.kind ?? (smoothing > 0 ? "ema" : "none");
  const amount = style.smoothing?.amount ?? smoothing;
  const smooth = kind !== "none" && amount > 0 && base.len > 2;
  return {
    id: spec.id,
    label: spec.label,
    color: spec.color,
    group: spec.group,
    len: base.len,
    xs: base.xs,
    ys: smooth ? smoothedBy(base, kind, amount) : base.ys,
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
