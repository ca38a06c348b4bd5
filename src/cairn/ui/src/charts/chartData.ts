/** The workspace's chart data: envelopes per (view, run, key), fetched in few batched
 * requests, grown by live points, and dropped when no chart shows them any more.
 *
 * A view is what the server aggregates for: the x axis, the bucket count (the chart's
 * pixel width) and the zoomed range. Charts ask with `want`; requests wait a moment so
 * that every chart that became visible together shares one POST …/envelopes (up to the
 * API's 200 runs × 50 keys each). */
import { api } from "../api/client";
import type { PointsEvent, WireNumber } from "../api/types";
import { wireArray } from "../api/values";
import { fetchEnvelopes, warmEnvelopeWorker } from "./envelopeFetch";
import { Series } from "./series";

export interface View {
  x: string;
  buckets: number;
  min: number | null;
  max: number | null;
}

export interface Entry {
  series?: Series;
  error?: unknown;
  loading: boolean;
}

type Listener = () => void;

/** The API takes up to 200 runs a request; 100 lets the first lines of a very large
 * selection arrive (and draw) while the rest are computed. */
const MAX_RUNS = 100;
const MAX_KEYS = 50;
/** The server's limit on runs × keys × buckets in one request. */
const MAX_CELLS = 10_000_000;
const MAX_IN_FLIGHT = 3;
const MAX_VIEWS = 8;
const FLUSH_DELAY_MS = 8;
const DROP_AFTER_MS = 30_000;
const STALE_REFETCH_MS = 1500;

export function viewKey(v: View): string {
  return `${v.x}|${v.buckets}|${v.min ?? ""}|${v.max ?? ""}`;
}

const id = (run: string, key: string) => `${run}\u0000${key}`;

interface ViewCache {
  view: View;
  entries: Map<string, Entry>;
  used: number;
}

interface Pending {
  view: View;
  wants: Map<string, Set<string>>; // key → runs
}

export class ChartData {
  private views = new Map<string, ViewCache>();
  private listeners = new Map<string, Set<Listener>>();
  private pending = new Map<string, Pending>();
  private queue: (() => Promise<void>)[] = [];
  private inFlight = 0;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private dropTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private stale = new Map<string, Pending>();
  private staleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Observers of every request (the live stream follows what charts look at). */
  onKeysChange: (() => void) | null = null;

  constructor(
    readonly entity: string,
    readonly project: string,
  ) {
    warmEnvelopeWorker();
  }

  /** The page is gone: drop queued requests and timers (requests in flight just end). */
  dispose(): void {
    this.queue = [];
    this.pending.clear();
    this.stale.clear();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.staleTimer) clearTimeout(this.staleTimer);
    for (const t of this.dropTimers.values()) clearTimeout(t);
    this.dropTimers.clear();
    this.views.clear();
  }

  /** Keys some chart on screen shows now. */
  activeKeys(): string[] {
    return [...this.listeners.entries()].filter(([, s]) => s.size > 0).map(([k]) => k);
  }

  subscribe(key: string, fn: Listener): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    const wasEmpty = set.size === 0;
    set.add(fn);
    const timer = this.dropTimers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.dropTimers.delete(key);
    }
    if (wasEmpty) this.onKeysChange?.();
    return () => {
      set.delete(fn);
      if (set.size === 0) {
        this.dropTimers.set(key, setTimeout(() => this.dropKey(key), DROP_AFTER_MS));
        this.onKeysChange?.();
      }
    };
  }

  get(view: View, run: string, key: string): Entry | undefined {
    const cache = this.views.get(viewKey(view));
    if (cache) cache.used = performance.now();
    return cache?.entries.get(id(run, key));
  }

  /** Ask for the series of `runs` × `key` in `view`; those missing are fetched. */
  want(view: View, runs: readonly string[], key: string): void {
    const cache = this.cacheOf(view);
    const vk = viewKey(view);
    for (const run of runs) {
      if (cache.entries.has(id(run, key))) continue;
      cache.entries.set(id(run, key), { loading: true });
      let p = this.pending.get(vk);
      if (!p) this.pending.set(vk, (p = { view, wants: new Map() }));
      let set = p.wants.get(key);
      if (!set) p.wants.set(key, (set = new Set()));
      set.add(run);
    }
    if (this.pending.size && !this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_DELAY_MS);
    }
  }

  /** Forget failed fetches of `runs` × `key` in `view` and ask again. */
  retry(view: View, runs: readonly string[], key: string): void {
    const cache = this.cacheOf(view);
    for (const run of runs) if (cache.entries.get(id(run, key))?.error !== undefined) cache.entries.delete(id(run, key));
    this.want(view, runs, key);
  }

  private cacheOf(view: View): ViewCache {
    const vk = viewKey(view);
    let cache = this.views.get(vk);
    if (!cache) {
      cache = { view, entries: new Map(), used: performance.now() };
      this.views.set(vk, cache);
      if (this.views.size > MAX_VIEWS) this.evictView(vk);
    }
    cache.used = performance.now();
    return cache;
  }

  private evictView(keep: string): void {
    let oldest: string | null = null;
    let t = Infinity;
    for (const [k, c] of this.views) {
      if (k !== keep && c.used < t) {
        t = c.used;
        oldest = k;
      }
    }
    if (oldest) this.views.delete(oldest);
  }

  private dropKey(key: string): void {
    this.dropTimers.delete(key);
    for (const cache of this.views.values()) {
      for (const [k, e] of cache.entries) if (k.endsWith(`\u0000${key}`) && !e.loading) cache.entries.delete(k);
    }
  }

  private flush(): void {
    this.flushTimer = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      // Keys wanted for the same runs share requests: runs × keys, in API-sized chunks.
      const byRuns = new Map<string, { runs: string[]; keys: string[] }>();
      for (const [key, runSet] of p.wants) {
        const runs = [...runSet].sort();
        const sig = runs.join(",");
        let g = byRuns.get(sig);
        if (!g) byRuns.set(sig, (g = { runs, keys: [] }));
        g.keys.push(key);
      }
      for (const { runs, keys } of byRuns.values()) {
        for (let r = 0; r < runs.length; r += MAX_RUNS) {
          const rs = runs.slice(r, r + MAX_RUNS);
          const keysPer = Math.max(1, Math.min(MAX_KEYS, Math.floor(MAX_CELLS / (rs.length * p.view.buckets))));
          for (let k = 0; k < keys.length; k += keysPer) {
            const ks = keys.slice(k, k + keysPer);
            this.enqueue(() => this.fetch(p.view, rs, ks));
          }
        }
      }
    }
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length) {
      const job = this.queue.shift()!;
      this.inFlight++;
      void job().finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async fetch(view: View, runs: string[], keys: string[]): Promise<void> {
    const cache = this.cacheOf(view);
    try {
      const series = await fetchEnvelopes(this.entity, this.project, {
        runs, keys, buckets: view.buckets, x: view.x, min: view.min, max: view.max,
      });
      const got = new Set<string>();
      for (const p of series) {
        got.add(id(p.run, p.key));
        cache.entries.set(id(p.run, p.key), { series: Series.fromPacked(p, view.buckets), loading: false });
      }
      for (const run of runs) {
        for (const key of keys) {
          if (!got.has(id(run, key))) cache.entries.set(id(run, key), { series: new Series(16, view.buckets), loading: false });
        }
      }
    } catch (error) {
      for (const run of runs) for (const key of keys) cache.entries.set(id(run, key), { error, loading: false });
    }
    for (const key of keys) this.notify(key);
  }

  private notify(key: string): void {
    const set = this.listeners.get(key);
    if (set) for (const fn of [...set]) fn();
  }

  /** New points from the live stream: appended to every cached view that shows them. */
  applyPoints(ev: PointsEvent): void {
    const k = id(ev.run, ev.key);
    const n = ev.steps.length;
    const values = wireArray(ev.values, n);
    let changed = false;
    for (const [vk, cache] of this.views) {
      const entry = cache.entries.get(k);
      if (!entry?.series) continue;
      const { view } = cache;
      let xs: ArrayLike<number>;
      if (view.x === "_step") xs = ev.steps;
      else if (view.x === "_runtime" || view.x === "_timestamp") xs = wireArray(ev.x[view.x], n);
      else {
        this.markStale(vk, view, ev.run, ev.key);
        continue;
      }
      if (view.min !== null || view.max !== null) {
        const keep: number[] = [];
        for (let i = 0; i < n; i++) {
          const x = xs[i]!;
          if ((view.min === null || x >= view.min) && (view.max === null || x <= view.max)) keep.push(i);
        }
        if (keep.length === 0) continue;
        if (entry.series.append(keep.map((i) => ev.steps[i]!), keep.map((i) => xs[i]!), keep.map((i) => values[i]!))) {
          changed = true;
        }
      } else if (entry.series.append(ev.steps, xs, values)) changed = true;
    }
    if (changed) this.notify(ev.key);
  }

  /** A series with x = another metric cannot take points as they come: refetch it soon. */
  private markStale(vk: string, view: View, run: string, key: string): void {
    let p = this.stale.get(vk);
    if (!p) this.stale.set(vk, (p = { view, wants: new Map() }));
    let set = p.wants.get(key);
    if (!set) p.wants.set(key, (set = new Set()));
    set.add(run);
    if (!this.staleTimer) {
      this.staleTimer = setTimeout(() => {
        this.staleTimer = null;
        const stale = [...this.stale.values()];
        this.stale.clear();
        for (const s of stale) for (const [key, runs] of s.wants) this.refetch(s.view, [...runs], key);
      }, STALE_REFETCH_MS);
    }
  }

  private refetch(view: View, runs: string[], key: string): void {
    // Keep showing the old data until the new arrives: fetch straight into the cache.
    this.enqueue(() => this.fetch(view, runs, [key]));
  }

  /** `event: reset`: too many points to stream; refetch the series in every view. */
  reset(run: string, key: string): void {
    for (const cache of this.views.values()) {
      if (cache.entries.get(id(run, key))?.series) this.refetch(cache.view, [run], key);
    }
  }

  /**
   * After the live stream (re)opens: points a running run logged between a chart's fetch
   * and the subscription never come as events. Read just that tail at full resolution
   * (the history API, from the last step held) and append it; only a tail too long for
   * one page falls back to refetching the envelope.
   */
  async fillGaps(runs: readonly string[], keys: readonly string[]): Promise<void> {
    for (const run of runs) {
      let from = Infinity;
      const held: string[] = [];
      for (const key of keys) {
        for (const cache of this.views.values()) {
          const s = cache.entries.get(id(run, key))?.series;
          if (!s) continue;
          if (!held.includes(key)) held.push(key);
          from = Math.min(from, s.lastStep);
        }
      }
      if (!held.length) continue;
      const minStep = Number.isFinite(from) ? from + 1 : 0;
      try {
        const page = await api.history(this.entity, this.project, run, [...held, ...X_KEYS], minStep, GAP_ROWS);
        if (page.next_step !== null) {
          for (const key of held) this.reset(run, key);
          continue;
        }
        for (const key of held) this.applyPoints(pointsOf(run, key, page.rows));
      } catch {
        for (const key of held) this.reset(run, key);
      }
    }
  }
}

const X_KEYS = ["_runtime", "_timestamp"] as const;
const GAP_ROWS = 10_000;

/** One key's points in history rows, as a `points` event would carry them. */
function pointsOf(run: string, key: string, rows: readonly { [key: string]: WireNumber }[]): PointsEvent {
  const ev: PointsEvent = { run, key, steps: [], values: [], x: { _runtime: [], _timestamp: [] } };
  for (const row of rows) {
    if (!(key in row)) continue;
    ev.steps.push(row._step as number);
    ev.values.push(row[key] ?? null);
    ev.x._runtime!.push(row._runtime ?? null);
    ev.x._timestamp!.push(row._timestamp ?? null);
  }
  return ev;
}
