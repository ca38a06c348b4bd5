/** Parameter importance against a metric, as W&B's panel shows it: per config parameter
 * the linear (Pearson) correlation with the metric, and a model-based importance: the mean
 * decrease in impurity of a random forest of regression trees fitted to predict the metric
 * from every parameter (scikit-learn's `feature_importances_`, normalised to sum to 1).
 *
 * It runs in the browser: the runs' config and summary are already here (at most the
 * 1,000 runs a panel fetches), a forest over them takes well under a second, and a
 * server endpoint would only read the same runs again. Seeded, so a panel shows the same
 * numbers on every draw. */
import type { Json, Run } from "../../api/types";
import { flatOf, numericValue } from "../../lib/flatten";
import { formatValue } from "../../lib/format";
import { valueOf } from "./values";

export interface Importance {
  param: string;
  /** Pearson correlation with the metric (null: not numeric, or constant). */
  correlation: number | null;
  /** Share of the forest's impurity decrease (0..1; null: too few runs to fit). */
  importance: number | null;
}

export interface ImportanceResult {
  rows: Importance[];
  /** Runs with a finite metric value (the ones used). */
  runs: number;
  fitted: boolean;
}

/** Fewer runs than this give no model (a forest over 3 points says nothing). */
export const MIN_RUNS = 5;

export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ForestOptions {
  trees?: number;
  maxDepth?: number;
  minLeaf?: number;
  seed?: number;
  /** Features tried at each split (default: all, scikit-learn's default for regression). */
  maxFeatures?: number;
}

/** Mean decrease in impurity per feature of a random forest regressor (bootstrap samples,
 * every feature tried at each split unless `maxFeatures` says fewer), normalised to sum
 * to 1. `x[i][f]` is the value of feature f in sample i (finite numbers).
 *
 * Each tree sorts its sample once per feature; a node is a range of those sorted orders,
 * and a split partitions every order stably, so a tree costs O(n·p·depth) after the sort
 * (classic presorted CART) rather than a sort at every node. */
export function forestImportance(x: readonly (readonly number[])[], y: readonly number[], opts: ForestOptions = {}): number[] {
  const n = y.length;
  const p = x[0]?.length ?? 0;
  const total = new Array<number>(p).fill(0);
  if (n < 2 || p === 0) return total;
  const trees = opts.trees ?? 100;
  const maxDepth = opts.maxDepth ?? 12;
  const minLeaf = Math.max(1, opts.minLeaf ?? 1);
  const tries = Math.max(1, Math.min(p, opts.maxFeatures ?? p));
  const random = rng(opts.seed ?? 1);
  const cols = Array.from({ length: p }, (_, f) => Float64Array.from(x, (row) => row[f]!));
  const ys = Float64Array.from(y);
  // Per tree: the sample (row of each position), each feature's order of positions, its
  // values in that order, and scratch space for partitions.
  const sample = new Int32Array(n);
  const order = Array.from({ length: p }, () => new Int32Array(n));
  const sortedX = Array.from({ length: p }, () => new Float64Array(n));
  const sy = new Float64Array(n);
  const left = new Uint8Array(n);
  const scratch = new Int32Array(n);
  const features = Int32Array.from({ length: p }, (_, f) => f);
  const gains = new Float64Array(p);
  for (let t = 0; t < trees; t++) {
    for (let i = 0; i < n; i++) {
      sample[i] = Math.floor(random() * n);
      sy[i] = ys[sample[i]!]!;
    }
    for (let f = 0; f < p; f++) {
      const col = cols[f]!;
      const o = order[f]!;
      for (let i = 0; i < n; i++) o[i] = i;
      o.sort((a, b) => col[sample[a]!]! - col[sample[b]!]!);
    }
    gains.fill(0);
    grow(0, n, 0);
    let sum = 0;
    for (let f = 0; f < p; f++) sum += gains[f]!;
    if (sum > 0) for (let f = 0; f < p; f++) total[f]! += gains[f]! / sum;
  }
  const sum = total.reduce((a, b) => a + b, 0);
  return sum > 0 ? total.map((v) => v / sum) : total;

  function grow(lo: number, hi: number, depth: number): void {
    const m = hi - lo;
    if (m < 2 * minLeaf || depth >= maxDepth) return;
    let s = 0;
    let ss = 0;
    const o0 = order[0]!;
    for (let i = lo; i < hi; i++) {
      const v = sy[o0[i]!]!;
      s += v;
      ss += v * v;
    }
    const sse = ss - (s * s) / m;
    if (sse <= 1e-12 * Math.max(1, ss)) return;
    // The features tried here, drawn without replacement.
    for (let k = 0; k < tries; k++) {
      const j = k + Math.floor(random() * (p - k));
      const tmp = features[k]!;
      features[k] = features[j]!;
      features[j] = tmp;
    }
    let bestGain = 0;
    let bestF = -1;
    let bestAt = 0;
    for (let k = 0; k < tries; k++) {
      const f = features[k]!;
      const o = order[f]!;
      const col = cols[f]!;
      const xs = sortedX[f]!;
      for (let i = lo; i < hi; i++) xs[i] = col[sample[o[i]!]!]!;
      let ls = 0;
      let lss = 0;
      for (let i = lo; i < hi - 1; i++) {
        const v = sy[o[i]!]!;
        ls += v;
        lss += v * v;
        const nl = i + 1 - lo;
        if (nl < minLeaf || m - nl < minLeaf || xs[i] === xs[i + 1]) continue;
        const rs = s - ls;
        const after = lss - (ls * ls) / nl + (ss - lss - (rs * rs) / (m - nl));
        const gain = sse - after;
        if (gain > bestGain + 1e-12) {
          bestGain = gain;
          bestF = f;
          bestAt = (xs[i]! + xs[i + 1]!) / 2;
        }
      }
    }
    if (bestF < 0) return;
    gains[bestF]! += bestGain;
    const col = cols[bestF]!;
    let nl = 0;
    const ob = order[bestF]!;
    for (let i = lo; i < hi; i++) {
      const goes = col[sample[ob[i]!]!]! <= bestAt ? 1 : 0;
      left[ob[i]!] = goes;
      nl += goes;
    }
    // Every feature's order split stably: the left positions first, in order.
    for (let f = 0; f < p; f++) {
      const o = order[f]!;
      let a = lo;
      let b = 0;
      for (let i = lo; i < hi; i++) {
        const pos = o[i]!;
        if (left[pos]) o[a++] = pos;
        else scratch[b++] = pos;
      }
      for (let i = 0; i < b; i++) o[a + i] = scratch[i]!;
    }
    grow(lo, lo + nl, depth + 1);
    grow(lo + nl, hi, depth + 1);
  }
}

/** The config parameters that vary across the runs (a constant one explains nothing). */
export function varyingParams(runs: readonly Run[]): string[] {
  const seen = new Map<string, Set<string>>();
  for (const r of runs)
    for (const [k, v] of flatOf(r.config)) {
      if (k.startsWith("_")) continue;
      if (!seen.has(k)) seen.set(k, new Set());
      seen.get(k)!.add(formatValue(v));
    }
  return [...seen].filter(([, vs]) => vs.size > 1).map(([k]) => `config.${k}`).sort();
}

/** What the forest is fitted to: the runs with a finite metric, their varying parameters
 * as feature columns, and the metric. */
export interface Prepared {
  params: string[];
  columns: { values: number[]; numeric: boolean }[];
  y: number[];
  fitted: boolean;
}

export function prepare(runs: readonly Run[], metric: string): Prepared {
  const used = runs.filter((r) => {
    const v = numericValue(valueOf(r, metric));
    return v !== null && Number.isFinite(v);
  });
  const y = used.map((r) => numericValue(valueOf(r, metric))!);
  const params = varyingParams(used);
  // Features: numbers as they are (a missing one as the mean), anything else as the index
  // of its value among the sorted categories (a tree splits those as well as numbers).
  const columns = params.map((param) => encode(used.map((r) => valueOf(r, param))));
  return { params, columns, y, fitted: used.length >= MIN_RUNS && params.length > 0 };
}

/** The samples of a prepared fit, row by row (the forest's input). */
export function samplesOf(prep: Prepared): number[][] {
  return prep.y.map((_, i) => prep.columns.map((c) => c.values[i]!));
}

/** The rows shown, from a prepared fit and the forest's scores (absent: not fitted). */
export function resultOf(prep: Prepared, scores: readonly number[] | null): ImportanceResult {
  const rows = prep.params.map((param, f) => ({
    param,
    correlation: prep.columns[f]!.numeric ? pearson(prep.columns[f]!.values, prep.y) : null,
    importance: prep.fitted && scores ? scores[f]! : null,
  }));
  rows.sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1) || Math.abs(b.correlation ?? 0) - Math.abs(a.correlation ?? 0));
  return { rows, runs: prep.y.length, fitted: prep.fitted && !!scores };
}

/** Correlation and forest importance of every varying config parameter for `metric`. */
export function importanceOf(runs: readonly Run[], metric: string, opts: ForestOptions = {}): ImportanceResult {
  const prep = prepare(runs, metric);
  return resultOf(prep, prep.fitted ? forestImportance(samplesOf(prep), prep.y, opts) : null);
}

function encode(values: readonly (Json | undefined)[]): { values: number[]; numeric: boolean } {
  const nums = values.map((v) => (v === undefined || v === null ? null : numericValue(v)));
  const present = values.filter((v) => v !== undefined && v !== null).length;
  const finite = nums.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length && finite.length === present) {
    const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    return { values: nums.map((v) => (v === null || !Number.isFinite(v) ? mean : v)), numeric: finite.length === values.length };
  }
  const texts = values.map((v) => (v === undefined || v === null ? "" : formatValue(v)));
  const cats = [...new Set(texts)].sort();
  return { values: texts.map((t) => cats.indexOf(t)), numeric: false };
}
