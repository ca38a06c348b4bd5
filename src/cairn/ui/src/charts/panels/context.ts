/** What the field panels chart: the workspace's runs as its table filters and selects them
 * (and the runs' colours), handed down by the workspace page. */
import { createContext } from "preact";
import { useContext, useMemo } from "preact/hooks";
import { api } from "../../api/client";
import type { Columns, Run } from "../../api/types";
import type { Filters } from "../../lib/filters";
import { useAsync } from "../../lib/useAsync";

/** Runs a field panel fetches at most. */
export const MAX_PANEL_RUNS = 1000;

export interface PanelRuns {
  entity: string;
  project: string;
  /** The table's filters with the brush, and without it. */
  filters: Filters | null;
  userFilters: Filters | null;
  filtersKey: string;
  search: string;
  order: string;
  /** The workspace grouping field (null: runs are not grouped). */
  group: string | null;
  groupValue: (run: Run, field: string) => string;
  /** The runs the charts draw (a group's members when grouped). */
  charted: ReadonlySet<string>;
  /** Colours by run id, and by group id (`group:VALUE`) when grouped. */
  colors: ReadonlyMap<string, string>;
  selected: readonly string[];
  onlySelected: boolean;
  columns: Columns | undefined;
  brush: Filters | null;
  onBrush: (filter: Filters | null) => void;
  /** Changes when the table's rows do (a run finished, a new one): panels fetch again. */
  version: number;
}

export const PanelRunsContext = createContext<PanelRuns | null>(null);

export function usePanelContext(): PanelRuns | null {
  return useContext(PanelRunsContext);
}

export interface FetchedRuns {
  /** The runs the panel shows. */
  runs: Run[];
  /** Runs the query matched (more than fetched when over MAX_PANEL_RUNS). */
  total: number;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** The runs a panel shows, with `fields` (null: whole config and summary): those the
 * charts draw; with `unbrushed`, every run of the table's own filter (or its selection),
 * so a parallel-coordinates chart keeps the runs its brush leaves out. */
export function usePanelRuns(ctx: PanelRuns, fields: readonly string[] | null, unbrushed = false): FetchedRuns {
  const filters = unbrushed ? ctx.userFilters : ctx.filters;
  const cols = fields ? [...fields] : null;
  const fetched = useAsync(
    (signal) =>
      api.runs(ctx.entity, ctx.project, { filters, search: ctx.search, order: ctx.order, limit: MAX_PANEL_RUNS, columns: cols?.length ? cols : null }, signal),
    [ctx.entity, ctx.project, unbrushed ? JSON.stringify(filters) : ctx.filtersKey, ctx.search, ctx.order, cols?.join("\n") ?? "*", ctx.version],
  );
  // The same array while nothing changes: panels memoise what they compute from it.
  const runs = useMemo(() => {
    const all = fetched.data?.runs ?? [];
    if (unbrushed) return ctx.onlySelected ? all.filter((r) => ctx.selected.includes(r.id)) : all;
    return all.filter((r) => ctx.charted.has(r.id));
  }, [fetched.data, unbrushed, ctx.onlySelected, ctx.selected.join(","), ctx.charted]);
  return { runs, total: fetched.data?.total ?? 0, error: fetched.error, loading: fetched.loading, reload: fetched.reload };
}
