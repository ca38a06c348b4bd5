/** One chart line's data: the buckets of an envelope (first/last x, min, max, mean, last,
 * count per bucket) in growable typed arrays, so live points append without copying the
 * history, and a series that grows past twice its bucket budget halves itself by merging
 * neighbours (min of mins, max of maxes: a spike is never merged away). */
import type { WireEnvelope } from "../api/types";
import { wireArray } from "../api/values";
import { field, type PackedSeries } from "./packed";

const FIELDS = ["xFirst", "xLast", "min", "max", "mean", "last", "count", "stepLast"] as const;
type Field = (typeof FIELDS)[number];

export class Series {
  len = 0;
  xFirst: Float64Array;
  xLast: Float64Array;
  min: Float64Array;
  max: Float64Array;
  mean: Float64Array;
  last: Float64Array;
  count: Float64Array;
  stepLast: Float64Array;
  /** Points in the whole series (not only the range shown), as the server counted them. */
  totalPoints = 0;
  /** Bumped on every change, so a chart knows when to redraw. */
  version = 0;

  constructor(
    capacity: number,
    /** The bucket budget: more than twice as many buckets and the series halves itself. */
    readonly budget: number,
  ) {
    const cap = Math.max(16, capacity);
    this.xFirst = new Float64Array(cap);
    this.xLast = new Float64Array(cap);
    this.min = new Float64Array(cap);
    this.max = new Float64Array(cap);
    this.mean = new Float64Array(cap);
    this.last = new Float64Array(cap);
    this.count = new Float64Array(cap);
    this.stepLast = new Float64Array(cap);
  }

  static fromPacked(p: PackedSeries, budget: number): Series {
    const n = p.n;
    const s = new Series(n + 64, budget);
    s.len = n;
    s.xFirst.set(field(p, "x"));
    s.xLast.set(field(p, "x_last"));
    s.min.set(field(p, "min"));
    s.max.set(field(p, "max"));
    s.mean.set(field(p, "mean"));
    s.last.set(field(p, "last"));
    s.count.set(field(p, "count"));
    s.stepLast.set(field(p, "step_last"));
    s.fillMeans();
    s.totalPoints = p.totalPoints;
    return s;
  }

  /** A bucket whose points are all NaN has no mean; its last value still says "NaN here". */
  private fillMeans(): void {
    for (let i = 0; i < this.len; i++) if (Number.isNaN(this.mean[i]!) && this.count[i] === 1) this.mean[i] = this.last[i]!;
  }

  static fromEnvelope(env: WireEnvelope, budget: number): Series {
    const n = env.count.length;
    const s = new Series(n + 64, budget);
    s.len = n;
    s.xFirst.set(wireArray(env.x, n));
    s.xLast.set(wireArray(env.x_last, n));
    s.min.set(wireArray(env.min, n));
    s.max.set(wireArray(env.max, n));
    s.mean.set(wireArray(env.mean, n));
    s.last.set(wireArray(env.last, n));
    s.count.set(env.count);
    s.stepLast.set(env.step_last);
    s.fillMeans();
    s.totalPoints = env.total_points;
    return s;
  }

  /** The last step held; live points at or before it are already here. */
  get lastStep(): number {
    return this.len ? this.stepLast[this.len - 1]! : -Infinity;
  }

  /** The x where bucket i is drawn: the middle of its first and last point. */
  xAt(i: number): number {
    return (this.xFirst[i]! + this.xLast[i]!) / 2;
  }

  /** Value drawn for bucket i (the mean of its finite points; NaN if it has none). */
  valueAt(i: number): number {
    return this.mean[i]!;
  }

  private grow(): void {
    const cap = this.xFirst.length * 2;
    for (const f of FIELDS) {
      const next = new Float64Array(cap);
      next.set(this[f]);
      this[f as Field] = next;
    }
  }

  /** Append live points (in step order); points at or before the last step are skipped. */
  append(steps: readonly number[], xs: ArrayLike<number>, values: ArrayLike<number>): boolean {
    let added = false;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (step <= this.lastStep) continue;
      if (this.len === this.xFirst.length) this.grow();
      const j = this.len++;
      const v = values[i]!;
      const x = xs[i]!;
      this.xFirst[j] = x;
      this.xLast[j] = x;
      this.min[j] = v;
      this.max[j] = v;
      this.mean[j] = v;
      this.last[j] = v;
      this.count[j] = 1;
      this.stepLast[j] = step;
      this.totalPoints++;
      added = true;
    }
    while (this.len > 2 * this.budget) this.halve();
    if (added) this.version++;
    return added;
  }

  /** Merge neighbouring buckets pairwise. */
  private halve(): void {
    let out = 0;
    for (let i = 0; i < this.len; i += 2, out++) {
      const j = i + 1;
      if (j >= this.len) {
        for (const f of FIELDS) this[f][out] = this[f][i]!;
        continue;
      }
      const ci = this.count[i]!;
      const cj = this.count[j]!;
      const mi = this.mean[i]!;
      const mj = this.mean[j]!;
      this.xFirst[out] = this.xFirst[i]!;
      this.xLast[out] = this.xLast[j]!;
      this.min[out] = nanMin(this.min[i]!, this.min[j]!);
      this.max[out] = nanMax(this.max[i]!, this.max[j]!);
      this.mean[out] = Number.isNaN(mi) ? mj : Number.isNaN(mj) ? mi : (mi * ci + mj * cj) / (ci + cj);
      this.last[out] = this.last[j]!;
      this.count[out] = ci + cj;
      this.stepLast[out] = this.stepLast[j]!;
    }
    this.len = out;
  }
}

export function nanMin(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

export function nanMax(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}
