/** The runs table's rows: fetched from the server a page at a time as the table scrolls
 * (filtered, searched and sorted there), or all at once when grouping needs every run;
 * kept current by live `run` events. */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, isAbort, type RunsQuery } from "../../api/client";
import type { Run, RunEvent } from "../../api/types";

export const PAGE = 100;
const ALL_PAGE = 1000;
/** Grouping and "show all" load every run, up to this many. */
export const MAX_ALL = 10_000;
const REFRESH_DEBOUNCE_MS = 800;

export interface RunRows {
  total: number;
  /** Rows loaded so far, by index. */
  rowAt: (i: number) => Run | undefined;
  /** Load the pages covering rows [start, end). */
  ensure: (start: number, end: number) => void;
  /** Every row (when `all` was asked for and has arrived), else the loaded prefix. */
  loaded: () => Run[];
  complete: boolean;
  error: unknown;
  loading: boolean;
  version: number;
  reload: () => void;
  /** A live run event: update the row, or refresh the table for a run it does not show. */
  apply: (ev: RunEvent) => void;
  byId: (id: string) => Run | undefined;
  /** The rows of the last query that has answered: while a new sort or filter loads, the
   * charts keep drawing the runs they drew, rather than none and then the same again. */
  settled: () => { rows: Run[]; byId: (id: string) => Run | undefined };
}

/** A run with what a live `run` event says changed. */
export function withEvent<R extends Run>(run: R, ev: RunEvent): R {
  return {
    ...run,
    state: ev.state,
    last_step: ev.last_step,
    updated_at: ev.updated_at,
    summary: ev.summary ?? run.summary,
    ...(ev.name !== undefined ? { name: ev.name } : {}),
    ...(ev.notes !== undefined ? { notes: ev.notes } : {}),
    ...(ev.tags !== undefined ? { tags: ev.tags } : {}),
    ...(ev.finished_at !== undefined ? { finished_at: ev.finished_at } : {}),
    ...(ev.exit_code !== undefined ? { exit_code: ev.exit_code } : {}),
  };
}

class Rows {
  total = 0;
  pages = new Map<number, Run[]>();
  inFlight = new Set<number>();
  error: unknown = undefined;
  loading = true;
  index = new Map<string, Run>();
  private ctl = new AbortController();
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly entity: string,
    readonly project: string,
    readonly query: RunsQuery,
    readonly pageSize: number,
    readonly changed: () => void,
  ) {}

  dispose(): void {
    this.ctl.abort();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }

  rowAt(i: number): Run | undefined {
    return this.pages.get(Math.floor(i / this.pageSize))?.[i % this.pageSize];
  }

  async load(page: number): Promise<void> {
    if (this.inFlight.has(page)) return;
    this.inFlight.add(page);
    try {
      const res = await api.runs(
        this.entity,
        this.project,
        { ...this.query, limit: this.pageSize, offset: page * this.pageSize },
        this.ctl.signal,
      );
      this.total = res.total;
      this.pages.set(page, res.runs);
      for (const r of res.runs) this.index.set(r.id, r);
      this.error = undefined;
    } catch (err) {
      if (isAbort(err)) return;
      this.error = err;
    } finally {
      this.inFlight.delete(page);
      this.loading = this.inFlight.size > 0;
      this.changed();
    }
  }

  ensure(start: number, end: number): void {
    const last = this.total ? Math.min(end, this.total) : end;
    for (let p = Math.floor(start / this.pageSize); p * this.pageSize < last; p++) {
      if (!this.pages.has(p) && !this.inFlight.has(p)) void this.load(p);
    }
  }

  async loadAll(): Promise<void> {
    await this.load(0);
    const pages = Math.ceil(Math.min(this.total, MAX_ALL) / this.pageSize);
    await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => this.load(i + 1)));
  }

  loaded(): Run[] {
    const out: Run[] = [];
    for (let p = 0; this.pages.has(p); p++) out.push(...this.pages.get(p)!);
    return out;
  }

  get complete(): boolean {
    return this.loaded().length >= Math.min(this.total, MAX_ALL) && this.pages.has(0);
  }

  apply(ev: RunEvent): void {
    const run = this.index.get(ev.id);
    if (!run) {
      this.scheduleRefresh();
      return;
    }
    const next = withEvent(run, ev);
    this.index.set(ev.id, next);
    for (const rows of this.pages.values()) {
      const i = rows.findIndex((r) => r.id === ev.id);
      if (i >= 0) rows[i] = next;
    }
    this.changed();
  }

  /** A run the table does not know: refetch the loaded pages, then swap them in at once. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      const pages = [...this.pages.keys()];
      void Promise.all(
        pages.map((p) =>
          api.runs(this.entity, this.project, { ...this.query, limit: this.pageSize, offset: p * this.pageSize }, this.ctl.signal),
        ),
      ).then(
        (results) => {
          results.forEach((res, i) => {
            this.total = res.total;
            this.pages.set(pages[i]!, res.runs);
            for (const r of res.runs) this.index.set(r.id, r);
          });
          this.changed();
        },
        () => undefined,
      );
    }, REFRESH_DEBOUNCE_MS);
  }
}

export function useRunRows(entity: string, project: string, query: RunsQuery, all: boolean): RunRows {
  const [version, setVersion] = useState(0);
  const [attempt, setAttempt] = useState(0);
  const sig = JSON.stringify(query);
  const rows = useMemo(
    () => new Rows(entity, project, query, all ? ALL_PAGE : PAGE, () => setVersion((v) => v + 1)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [entity, project, sig, all, attempt],
  );
  const prev = useRef<Rows | null>(null);
  const lastAnswered = useRef<Rows | null>(null);
  if (rows.pages.has(0) || rows.error !== undefined) lastAnswered.current = rows;
  const settledRows = lastAnswered.current ?? rows;
  useEffect(() => {
    prev.current?.dispose();
    prev.current = rows;
    if (all) void rows.loadAll();
    else void rows.load(0);
  }, [rows, all]);
  useEffect(() => () => prev.current?.dispose(), []);
  return {
    total: rows.total,
    rowAt: (i) => rows.rowAt(i),
    ensure: (s, e) => rows.ensure(s, e),
    loaded: () => rows.loaded(),
    complete: rows.complete,
    error: rows.error,
    loading: rows.loading,
    version,
    reload: () => setAttempt((a) => a + 1),
    apply: (ev) => rows.apply(ev),
    byId: (id) => rows.index.get(id),
    settled: () => ({ rows: settledRows.loaded(), byId: (id) => settledRows.index.get(id) }),
  };
}
