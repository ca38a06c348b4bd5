/** What the field panels draw, as pure functions of the runs: a bar per run (or per group,
 * aggregated), the run comparer's rows, and a parallel-coordinates brush as the runs
 * filter it stands for (and back). */
import type { Json, Run } from "../../api/types";
import { fieldValue, flatOf, numericValue } from "../../lib/flatten";
import { formatValue } from "../../lib/format";
import type { Filters } from "../../lib/filters";
import type { Aggregate } from "../layout";
import type { Brushes, PcAxis } from "../parallel";
import type { BarSort } from "./options";

export const valueOf = (run: Run, field: string): Json | undefined => fieldValue(run as Run & Record<string, unknown>, field);

export const fieldName = (field: string) => field.replace(/^(config|summary)\./, "");

export interface Bar {
  id: string;
  label: string;
  value: number;
  color: string;
  /** Runs behind the bar (1 for a run; a group's runs with a value). */
  n: number;
}

export function aggregate(values: readonly number[], how: Aggregate): number {
  if (!values.length) return NaN;
  if (how === "min") return Math.min(...values);
  if (how === "max") return Math.max(...values);
  if (how === "median") {
    const s = [...values].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  }
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** One bar per run with a finite value of `field`, or per group (the group's `how` of
 * its runs' values), sorted by value unless `sort` is "none" (then in the given order). */
export function barsOf(
  runs: readonly Run[],
  field: string,
  opts: {
    sort: BarSort;
    colorOf: (id: string) => string;
    group?: { valueOf: (run: Run) => string; how: Aggregate } | null;
  },
): Bar[] {
  const numberOf = (r: Run) => {
    const v = numericValue(valueOf(r, field));
    return v !== null && Number.isFinite(v) ? v : null;
  };
  let bars: Bar[];
  if (opts.group) {
    const groups = new Map<string, number[]>();
    for (const r of runs) {
      const g = opts.group.valueOf(r);
      const v = numberOf(r);
      if (!groups.has(g)) groups.set(g, []);
      if (v !== null) groups.get(g)!.push(v);
    }
    bars = [...groups].flatMap(([g, vs]) =>
      vs.length ? [{ id: `group:${g}`, label: g, value: aggregate(vs, opts.group!.how), color: opts.colorOf(`group:${g}`), n: vs.length }] : [],
    );
  } else {
    bars = runs.flatMap((r) => {
      const v = numberOf(r);
      return v === null ? [] : [{ id: r.id, label: r.name || r.id, value: v, color: opts.colorOf(r.id), n: 1 }];
    });
  }
  if (opts.sort === "desc") bars.sort((a, b) => b.value - a.value);
  if (opts.sort === "asc") bars.sort((a, b) => a.value - b.value);
  return bars;
}

export interface CompareRow {
  field: string;
  values: string[];
  differs: boolean;
}

const HIDDEN_SUMMARY = /^_/;

/** The comparer's rows for runs side by side: name, state, tags, every config key, every
 * summary key (not the bookkeeping `_step`, `_runtime`…); a row differs when its values do. */
export function compareRows(runs: readonly Run[]): CompareRow[] {
  const rows: CompareRow[] = [];
  const add = (field: string, values: string[]) => rows.push({ field, values, differs: new Set(values).size > 1 });
  add("name", runs.map((r) => r.name || r.id));
  add("state", runs.map((r) => r.state));
  add("tags", runs.map((r) => [...r.tags].sort().join(", ")));
  const keys = (pick: (r: Run) => Map<string, Json>, skip?: RegExp) => {
    const all = new Set<string>();
    for (const r of runs) for (const k of pick(r).keys()) if (!skip || !skip.test(k)) all.add(k);
    return [...all].sort(new Intl.Collator(undefined, { numeric: true }).compare);
  };
  const cell = (v: Json | undefined) => (v === undefined ? "—" : formatValue(v));
  for (const k of keys((r) => flatOf(r.config))) add(`config.${k}`, runs.map((r) => cell(flatOf(r.config).get(k))));
  for (const k of keys((r) => flatOf(r.summary), HIDDEN_SUMMARY))
    add(`summary.${k}`, runs.map((r) => cell(flatOf(r.summary).get(k))));
  return rows;
}

// ---- parallel coordinates: a brush is a filter of the runs ---------------------------------

/** The runs filter a set of brushes stands for: a numeric axis's range as ≥/≤ (in the
 * axis's values, log or not), a category axis's brushed categories as `$in`. */
export function brushFilter(axes: readonly PcAxis[], brushes: Brushes): Filters | null {
  const parts: Filters[] = [];
  for (const axis of axes) {
    const b = brushes.get(axis.field);
    if (!b) continue;
    if (axis.kind === "category") {
      const cats = (axis.categories ?? []).filter((_, i, all) => {
        const p = all.length === 1 ? 0.5 : i / (all.length - 1);
        return p >= b[0] - 1e-9 && p <= b[1] + 1e-9;
      });
      parts.push({ [axis.field]: { $in: cats.map((c) => axis.raw?.get(c) ?? c) } });
    } else if (axis.valueAt) {
      parts.push({ [axis.field]: { $gte: round(axis.valueAt(b[0])), $lte: round(axis.valueAt(b[1])) } });
    }
  }
  if (!parts.length) return null;
  return parts.length === 1 ? parts[0]! : { $and: parts };
}

/** Ten significant digits: a brush's end needs no more, and the URL stays short. */
function round(v: number): number {
  return Number(v.toPrecision(10));
}

/** The brushes a filter made by `brushFilter` stands for on these axes (drawn again after
 * a reload or a link). */
export function brushesOf(axes: readonly PcAxis[], filter: Filters | null): Map<string, readonly [number, number]> {
  const out = new Map<string, readonly [number, number]>();
  if (!filter) return out;
  const parts = Array.isArray(filter.$and) ? (filter.$and as Json[]) : [filter];
  for (const part of parts) {
    if (!part || typeof part !== "object" || Array.isArray(part)) continue;
    for (const [f, cond] of Object.entries(part)) {
      const axis = axes.find((a) => a.field === f);
      if (!axis || !cond || typeof cond !== "object" || Array.isArray(cond)) continue;
      const c = cond as { [k: string]: Json };
      if (axis.kind === "category" && Array.isArray(c.$in)) {
        const cats = axis.categories ?? [];
        const at = c.$in.map((v) => cats.indexOf(formatValue(v))).filter((i) => i >= 0);
        if (!at.length) continue;
        const p = (i: number) => (cats.length === 1 ? 0.5 : i / (cats.length - 1));
        out.set(f, [p(Math.min(...at)), p(Math.max(...at))]);
      } else if (axis.posOf && typeof c.$gte === "number" && typeof c.$lte === "number") {
        const lo = axis.posOf(c.$gte);
        const hi = axis.posOf(c.$lte);
        if (lo !== null && hi !== null) out.set(f, [Math.max(0, Math.min(lo, hi)), Math.min(1, Math.max(lo, hi))]);
      }
    }
  }
  return out;
}
