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
 * to 1. `x[i][f]` is the
 * value of feature f in sample i (finite numbers). */
export function forestImportance(x: readonly (readonly number[])[], y: readonly number[], opts: ForestOptions = {}): number[] {
  const n = y.length;
  const p = x[0]?.length ?? 0;
  const total = new Array<number>(p).fill(0);
  if (n < 2 || p === 0) return total;
  const trees = opts.trees ?? 100;
  const maxDepth = opts.maxDepth ?? 12;
  const minLeaf = opts.minLeaf ?? 1;
  const tries = Math.max(1, Math.min(p, opts.maxFeatures ?? p));
  const random = rng(opts.seed ?? 1);
  const order = new Array<number>(n);
  for (let t = 0; t < trees; t++) {
    const sample = Array.from({ length: n }, () => Math.floor(random() * n));
    const gains = new Array<number>(p).fill(0);
    grow(sample, 0);
    const sum = gains.reduce((a, b) => a + b, 0);
    if (sum > 0) for (let f = 0; f < p; f++) total[f]! += gains[f]! / sum;

    function grow(idx: number[], depth: number): void {
      const m = idx.length;
      if (m < 2 * minLeaf || depth >= maxDepth) return;
      let s = 0;
      let ss = 0;
      for (const i of idx) {
        s += y[i]!;
        ss += y[i]! * y[i]!;
      }
      const sse = ss - (s * s) / m;
      if (sse <= 1e-12 * m) return;
      // The features tried, drawn without replacement.
      const features = Array.from({ length: p }, (_, f) => f);
      for (let k = 0; k < tries; k++) {
        const j = k + Math.floor(random() * (p - k));
        [features[k], features[j]] = [features[j]!, features[k]!];
      }
      let best = { gain: 0, f: -1, at: 0 };
      for (let k = 0; k < tries; k++) {
        const f = features[k]!;
        for (let i = 0; i < m; i++) order[i] = idx[i]!;
        const sorted = order.slice(0, m).sort((a, b) => x[a]![f]! - x[b]![f]!);
        let ls = 0;
        let lss = 0;
        for (let i = 0; i < m - 1; i++) {
          const v = y[sorted[i]!]!;
          ls += v;
          lss += v * v;
          const left = i + 1;
          if (left < minLeaf || m - left < minLeaf) continue;
          if (x[sorted[i]!]![f] === x[sorted[i + 1]!]![f]) continue;
          const rs = s - ls;
          const rss = ss - lss;
          const after = lss - (ls * ls) / left + (rss - (rs * rs) / (m - left));
          const gain = sse - after;
          if (gain > best.gain + 1e-12) best = { gain, f, at: (x[sorted[i]!]![f]! + x[sorted[i + 1]!]![f]!) / 2 };
        }
      }
      if (best.f < 0) return;
      gains[best.f]! += best.gain;
      const l: number[] = [];
      const r: number[] = [];
      for (const i of idx) (x[i]![best.f]! <= best.at ? l : r).push(i);
      grow(l, depth + 1);
      grow(r, depth + 1);
    }
  }
  const sum = total.reduce((a, b) => a + b, 0);
  return sum > 0 ? total.map((v) => v / sum) : total;
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

/** Correlation and forest importance of every varying config parameter for `metric`. */
export function importanceOf(runs: readonly Run[], metric: string, opts: ForestOptions = {}): ImportanceResult {
  const used = runs.filter((r) => {
    const v = numericValue(valueOf(r, metric));
    return v !== null && Number.isFinite(v);
  });
  const y = used.map((r) => numericValue(valueOf(r, metric))!);
  const params = varyingParams(used);
  // Features: numbers as they are (a missing one as the mean), anything else as the index
  // of its value among the sorted categories (a tree splits those as well as numbers).
  const columns = params.map((param) => encode(used.map((r) => valueOf(r, param))));
  const fitted = used.length >= MIN_RUNS && params.length > 0;
  const scores = fitted ? forestImportance(used.map((_, i) => columns.map((c) => c.values[i]!)), y, opts) : [];
  const rows = params.map((param, f) => ({
    param,
    correlation: columns[f]!.numeric ? pearson(columns[f]!.values, y) : null,
    importance: fitted ? scores[f]! : null,
  }));
  rows.sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1) || Math.abs(b.correlation ?? 0) - Math.abs(a.correlation ?? 0));
  return { rows, runs: used.length, fitted };
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
