/** The workspace's view state, all of it in the query string so that a link reproduces the
 * view: table query (q, filters and the query bar's text fq, order, group, cols, const),
 * which runs the charts show (sel,
 * hide, show, only=0, n), and the charts' settings (x, smooth, log, zoom, panels, full). */
import { listParam, setQuery } from "../../router";

export { setQuery as setQueryOf };
import { parseFilters, type Filters } from "../../lib/filters";

/** Runs drawn in charts by default: every run the table's filter matches, up to the first
 * 100 rows (newest first unless sorted otherwise), so a filter's runs are all charted while
 * a project of thousands does not fetch thousands of envelopes on first paint. The "runs
 * in charts" menu sets the cap (up to all); eye toggles add or hide single runs. */
export const DEFAULT_CHART_RUNS = 100;

export interface WorkspaceView {
  search: string;
  filters: Filters | null;
  filtersText: string | null;
  /** A parallel-coordinates brush as a runs filter (`brush`), apart from the user's own. */
  brush: Filters | null;
  /** What the table and charts filter by: the user's filters and the brush together
   * (`runFiltersKey` changes whenever they do). */
  runFilters: Filters | null;
  runFiltersKey: string;
  /** The query bar's text that made `filters` (null: set by the builder or a link). */
  queryText: string | null;
  /** Show config and summary keys that are the same in every run (default: hidden). */
  constantColumns: boolean;
  order: string;
  group: string | null;
  columns: string[] | null;
  selected: string[];
  hidden: string[];
  shown: string[];
  onlySelected: boolean;
  chartRuns: number | "all";
  x: string;
  smoothing: number;
  log: boolean;
  zoom: [number, number] | null;
  panelSearch: string;
  full: string | null;
  comparison: boolean;
}

function number(text: string | null, fallback: number, lo: number, hi: number): number {
  const v = text === null ? NaN : Number(text);
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
}

function zoomOf(text: string | null): [number, number] | null {
  if (!text) return null;
  const [a, b] = text.split(",").map(Number);
  return a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && a < b ? [a, b] : null;
}

export function readView(p: URLSearchParams): WorkspaceView {
  const n = p.get("n");
  const filtersText = p.get("filters");
  const filters = parseFilters(filtersText);
  const brush = parseFilters(p.get("brush"));
  return {
    search: p.get("q") ?? "",
    filters,
    filtersText,
    brush,
    runFilters: filters && brush ? { $and: [filters, brush] } : (filters ?? brush),
    runFiltersKey: `${filtersText ?? ""}\n${p.get("brush") ?? ""}`,
    queryText: p.get("fq"),
    constantColumns: p.get("const") === "1",
    order: p.get("order") ?? "-created_at",
    group: p.get("group") || null,
    columns: p.has("cols") ? listParam(p, "cols").filter((c) => c !== "-") : null,
    selected: listParam(p, "sel"),
    hidden: listParam(p, "hide"),
    shown: listParam(p, "show"),
    // A selection is what the charts show, unless "only selected" was turned off.
    onlySelected: listParam(p, "sel").length > 0 && p.get("only") !== "0",
    chartRuns: n === "all" ? "all" : number(n, DEFAULT_CHART_RUNS, 1, 1000),
    x: p.get("x") || "_step",
    smoothing: number(p.get("smooth"), 0, 0, 0.99),
    log: p.get("log") === "1",
    zoom: zoomOf(p.get("zoom")),
    panelSearch: p.get("panels") ?? "",
    full: p.get("full"),
    comparison: p.get("cmp") === "1",
  };
}

const list = (ids: readonly string[]) => (ids.length ? ids.join(",") : null);

/** Setters: each writes its part of the view to the URL. */
export const viewActions = {
  search: (q: string) => setQuery({ q }),
  filters: (f: Filters | null) => setQuery({ filters: f ? JSON.stringify(f) : null, fq: null }),
  brush: (f: Filters | null) => setQuery({ brush: f ? JSON.stringify(f) : null }),
  query: (text: string, f: Filters | null) => setQuery({ filters: f ? JSON.stringify(f) : null, fq: f ? text.trim() : null }),
  constantColumns: (on: boolean) => setQuery({ const: on ? "1" : null }),
  order: (order: string) => setQuery({ order: order === "-created_at" ? null : order }),
  group: (g: string | null) => setQuery({ group: g }),
  columns: (cols: readonly string[]) => setQuery({ cols: cols.join(",") || "-" }),
  selected: (ids: readonly string[]) => setQuery({ sel: list(ids), only: ids.length ? undefined : null }),
  visibility: (hidden: readonly string[], shown: readonly string[]) => setQuery({ hide: list(hidden), show: list(shown) }),
  onlySelected: (on: boolean) => setQuery({ only: on ? null : "0" }),
  chartRuns: (n: number | "all") => setQuery({ n: n === DEFAULT_CHART_RUNS ? null : String(n), hide: null, show: null }),
  x: (x: string) => setQuery({ x: x === "_step" ? null : x, zoom: null }),
  smoothing: (s: number) => setQuery({ smooth: s > 0 ? String(s) : null }),
  log: (on: boolean) => setQuery({ log: on ? "1" : null }),
  zoom: (z: readonly [number, number] | null) => setQuery({ zoom: z ? `${z[0]},${z[1]}` : null }),
  panelSearch: (s: string) => setQuery({ panels: s }),
  full: (key: string | null) => setQuery({ full: key }),
  comparison: (on: boolean) => setQuery({ cmp: on ? "1" : null }),
};
