/** Above the runs table: search, the query bar, filters, group-by, columns, and what to do with a selection. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Columns, Json } from "../../api/types";
import { Icon } from "../../components/Icon";
import { Link } from "../../components/Link";
import { paths } from "../../router";
import { ColumnPicker } from "./ColumnPicker";
import { FilterBuilder } from "./FilterBuilder";
import { QueryBar } from "./QueryBar";
import { download } from "../../charts/export";
import { allRuns, runsCsv } from "./tableExport";
import { viewActions, type WorkspaceView } from "./viewState";

const SEARCH_DEBOUNCE_MS = 250;
const MAX_GROUP_KEYS = 300;

interface Props {
  view: WorkspaceView;
  columns: Columns | undefined;
  shownColumns: string[];
  /** Keys every run holds with one value (null: columns were chosen, or no runs yet). */
  constant: ReadonlyMap<string, Json> | null;
  total: number;
  entity: string;
  project: string;
}

function SearchBox({ value }: { value: string }) {
  const [text, setText] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => setText(value), [value]);
  return (
    <input
      class="input runs-search"
      type="search"
      placeholder="Search runs"
      aria-label="Search runs"
      data-shortcut="search"
      value={text}
      onInput={(e) => {
        const v = e.currentTarget.value;
        setText(v);
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(() => viewActions.search(v), SEARCH_DEBOUNCE_MS);
      }}
    />
  );
}

/** Download the table as CSV: every matching run, the visible columns. */
function ExportTable({ view, shownColumns, entity, project }: { view: Props["view"]; shownColumns: string[]; entity: string; project: string }) {
  const [state, setState] = useState<"idle" | "busy" | string>("idle");
  const exportCsv = async () => {
    setState("busy");
    try {
      const fields = shownColumns.filter((c) => c.startsWith("config.") || c.startsWith("summary."));
      const { runs, total } = await allRuns(entity, project, {
        filters: view.runFilters,
        search: view.search,
        order: view.order,
        columns: fields,
      });
      download(`${project}-runs.csv`, runsCsv(runs, fields), "text/csv");
      setState(runs.length < total ? `Exported the first ${runs.length.toLocaleString()} of ${total.toLocaleString()} runs` : "idle");
    } catch (e) {
      setState(`Export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <>
      <button type="button" class="btn btn-small" onClick={exportCsv} disabled={state === "busy"} title="Every run the filter matches, with the visible columns">
        <Icon name="download" size={12} /> {state === "busy" ? "Exporting…" : "CSV"}
      </button>
      {state !== "idle" && state !== "busy" && (
        <span class={state.startsWith("Export failed") ? "inline-error" : "muted"} role="status">
          {state}
        </span>
      )}
    </>
  );
}

/** Groups are listed by value, ascending unless the table is sorted by the grouping field
 * descending: this flips that sort (the same as its column header would). */
function GroupOrder({ view }: { view: Props["view"] }) {
  const field = view.group!;
  const descending = view.order === `-${field}`;
  return (
    <button
      type="button"
      class="btn group-order"
      aria-label={`Groups ${descending ? "descending" : "ascending"}: click to reverse`}
      title={descending ? "Groups by value, largest first" : "Groups by value, smallest first"}
      onClick={() => viewActions.order(descending ? field : `-${field}`)}
    >
      {descending ? "↓" : "↑"}
    </button>
  );
}

function filterCount(view: WorkspaceView): number {
  if (!view.filters) return 0;
  const and = view.filters.$and;
  return Array.isArray(and) ? and.length : Object.keys(view.filters).length;
}

export function RunsToolbar({ view, columns, shownColumns, constant, total, entity, project }: Props) {
  const [filtersOpen, setFiltersOpen] = useState(view.filters !== null);
  const nFilters = filterCount(view);
  const groupKeys = (columns?.config ?? []).slice(0, MAX_GROUP_KEYS);
  return (
    <div class="runs-toolbar">
      <div class="toolbar">
        <SearchBox value={view.search} />
        <button
          type="button"
          class={nFilters ? "btn btn-toggle on" : "btn"}
          aria-expanded={filtersOpen}
          aria-label="Filters"
          onClick={() => setFiltersOpen(!filtersOpen)}
        >
          <Icon name="filter" size={13} /> Filter{nFilters ? ` (${nFilters})` : ""}
        </button>
        <select
          class="input"
          aria-label="Group by"
          value={view.group ?? ""}
          onChange={(e) => viewActions.group(e.currentTarget.value || null)}
        >
          <option value="">No grouping</option>
          <option value="group">Group by: group</option>
          <option value="job_type">Group by: job type</option>
          {groupKeys.map((k) => (
            <option value={`config.${k}`} key={k}>
              Group by: {k}
            </option>
          ))}
        </select>
        {view.group && <GroupOrder view={view} />}
        <ColumnPicker
          available={columns}
          chosen={shownColumns}
          onChange={viewActions.columns}
          constant={constant}
          constantShown={view.constantColumns}
        />
      </div>
      <QueryBar filters={view.filters} text={view.queryText} columns={columns} onApply={viewActions.query} />
      {filtersOpen && <FilterBuilder filters={view.filters} columns={columns} onApply={viewActions.filters} />}
      <div class="table-meta">
        <span aria-live="polite">
          {total.toLocaleString()} run{total === 1 ? "" : "s"}
        </span>
        {constant !== null && constant.size > 0 && (
          <button
            type="button"
            class="btn-link constant-toggle"
            aria-pressed={view.constantColumns}
            title={view.constantColumns ? "Hide the keys every run holds with the same value" : "Show the keys every run holds with the same value"}
            onClick={() => viewActions.constantColumns(!view.constantColumns)}
          >
            {view.constantColumns ? "Hide" : "Show"} {constant.size} constant column{constant.size === 1 ? "" : "s"}
          </button>
        )}
        <ExportTable view={view} shownColumns={shownColumns} entity={entity} project={project} />
        {view.selected.length > 0 && (
          <span class="selection-actions">
            <span class="muted">{view.selected.length} selected</span>
            <Link class="btn btn-small" href={paths.compare(entity, project, view.selected)}>
              Compare
            </Link>
            <button
              type="button"
              class={view.onlySelected ? "btn btn-small btn-toggle on" : "btn btn-small"}
              aria-pressed={view.onlySelected}
              onClick={() => viewActions.onlySelected(!view.onlySelected)}
            >
              Show only selected
            </button>
            <button type="button" class="btn btn-small" onClick={() => viewActions.selected([])}>
              Clear
            </button>
          </span>
        )}
      </div>
    </div>
  );
}
