/** Parallel coordinates' axes: a numeric key on a linear or log scale, anything else as
 * evenly spaced categories; a run's position on each axis in [0, 1] (0 at the bottom), and
 * the runs that pass every axis's brush. */
import type { Json, Run } from "../api/types";
import { fieldValue, numericValue } from "../lib/flatten";
import { formatValue } from "../lib/format";
import { formatTick } from "./axes";

export interface PcAxis {
  field: string;
  name: string;
  kind: "linear" | "log" | "category";
  /** Every value is a positive number: a log scale can show it. */
  canLog: boolean;
  /** The run's place on the axis, or null when it has no usable value there. */
  pos: (run: Run) => number | null;
  ticks: { pos: number; text: string }[];
  /** Numeric axes: the value at a position, and a value's position (null: not on it). */
  valueAt?: (pos: number) => number;
  posOf?: (value: number) => number | null;
  /** Category axes: the categories bottom to top, and each one's first stored value. */
  categories?: string[];
  raw?: Map<string, Json>;
}

/** A brush per axis (by field): the [low, high] positions a run must lie in. */
export type Brushes = ReadonlyMap<string, readonly [number, number]>;

const MAX_CATEGORY_TICKS = 12;

function valueOf(run: Run, field: string) {
  return fieldValue(run as Run & Record<string, unknown>, field);
}

export const axisName = (field: string) => field.replace(/^(config|summary)\./, "");

/** About five round ticks over [lo, hi]. */
function linearTicks(lo: number, hi: number): number[] {
  const span = hi - lo;
  const raw = span / 4;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= 5) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); e <= Math.floor(Math.log10(hi) + 1e-9); e++) out.push(Number(`1e${e}`));
  return out;
}

export function pcAxis(runs: readonly Run[], field: string, log: boolean): PcAxis {
  const name = axisName(field);
  const present = runs.map((r) => valueOf(r, field)).filter((v) => v !== undefined && v !== null);
  const nums = present.map((v) => numericValue(v)).filter((v): v is number => v !== null && Number.isFinite(v));
  if (nums.length && nums.length === present.length) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of nums) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const canLog = lo > 0;
    const useLog = log && canLog && hi > lo;
    const f = useLog ? Math.log10 : (v: number) => v;
    const a = f(lo);
    const span = f(hi) - a;
    const at = (v: number) => (span === 0 ? 0.5 : (f(v) - a) / span);
    const tickValues = hi === lo ? [lo] : useLog ? logTicks(lo, hi) : linearTicks(lo, hi);
    // The ends are labelled too when the round ticks miss them.
    const ticks = tickValues.map((v) => ({ pos: at(v), text: formatTick(v) }));
    return {
      field,
      name,
      kind: useLog ? "log" : "linear",
      canLog,
      pos: (r) => {
        const v = numericValue(valueOf(r, field));
        return v === null || !Number.isFinite(v) ? null : at(v);
      },
      ticks,
      valueAt: (p) => {
        const t = a + p * span;
        return useLog ? Math.pow(10, t) : t;
      },
      posOf: (v) => (Number.isFinite(v) && (!useLog || v > 0) ? at(v) : null),
    };
  }
  // Categories (strings, mixed): spread evenly, labelled, in natural order.
  const cats = [...new Set(present.map((v) => formatValue(v)))].sort(new Intl.Collator(undefined, { numeric: true }).compare);
  const index = new Map(cats.map((c, i) => [c, i]));
  const raw = new Map<string, Json>();
  for (const v of present) if (!raw.has(formatValue(v))) raw.set(formatValue(v), v as Json);
  const at = (i: number) => (cats.length === 1 ? 0.5 : i / (cats.length - 1));
  const every = Math.max(1, Math.ceil(cats.length / MAX_CATEGORY_TICKS));
  return {
    field,
    name,
    kind: "category",
    canLog: false,
    pos: (r) => {
      const v = valueOf(r, field);
      if (v === undefined || v === null) return null;
      return at(index.get(formatValue(v)) ?? 0);
    },
    ticks: cats.flatMap((text, i) => (i % every === 0 ? [{ pos: at(i), text }] : [])),
    categories: cats,
    raw,
  };
}

/** Whether the run lies inside every brush (a run with no value on a brushed axis does not). */
export function inBrushes(run: Run, axes: readonly PcAxis[], brushes: Brushes): boolean {
  for (const axis of axes) {
    const b = brushes.get(axis.field);
    if (!b) continue;
    const p = axis.pos(run);
    if (p === null || p < b[0] - 1e-9 || p > b[1] + 1e-9) return false;
  }
  return true;
}

/** Viridis at t in [0, 1] (five stops, linearly mixed): the metric's colour. */
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]] as const;

export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const c = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${c(0)}, ${c(1)}, ${c(2)})`;
}
