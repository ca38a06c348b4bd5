/** Parallel coordinates (config keys against a summary metric) and a scatter of any two
 * columns, for the runs in the table. Closed by default: Vega loads when it is opened. */
import { useMemo, useRef } from "preact/hooks";
import { api } from "../../api/client";
import type { Columns } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Icon } from "../../components/Icon";
import { FigureExportMenu } from "../../charts/FigureExportMenu";
import { ParallelCoordinates } from "../../charts/ParallelCoordinates";
import { scatterSpec, type ThemeColors } from "../../charts/vega/specs";
import { VegaChart } from "../../charts/vega/VegaChart";
import { useAsync } from "../../lib/useAsync";
import { listParam, setQuery, useQuery } from "../../router";
import { cssVar } from "../../theme";
import { runsCsv } from "./tableExport";
import { viewActions, type WorkspaceView } from "./viewState";

const MAX_RUNS = 1000;

interface Props {
  entity: string;
  project: string;
  view: WorkspaceView;
  columns: Columns | undefined;
  theme: string;
  /** The charted runs' colours (the scatter's points match the lines). */
  colors: ReadonlyMap<string, string>;
}

function colors(): ThemeColors {
  return { text: cssVar("--text") || "#222", muted: cssVar("--text-muted") || "#666", grid: cssVar("--chart-grid") || "#ddd" };
}

export function ComparisonCharts(props: Props) {
  const open = props.view.comparison;
  return (
    <section class="section" aria-labelledby="cmp-h">
      <h2 class="section-head" id="cmp-h">
        <button type="button" class="btn-plain section-toggle" aria-expanded={open} onClick={() => setQuery({ cmp: open ? null : "1" })}>
          <span class={open ? "chev chev-open" : "chev"}><Icon name="chevron" size={12} /></span>
          Parallel coordinates &amp; scatter
        </button>
      </h2>
      {open && <ComparisonBody {...props} />}
    </section>
  );
}

function FieldSelect({ label, value, options, onChange }: { label: string; value: string; options: string[]; onChange: (v: string) => void }) {
  return (
    <label class="control">
      <span>{label}</span>
      <select class="input" aria-label={label} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => (
          <option value={o} key={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

function ComparisonBody({ entity, project, view, columns, theme, colors: runColors }: Props) {
  const q = useQuery();
  const configFields = (columns?.config ?? []).map((k) => `config.${k}`);
  const summaryFields = (columns?.summary ?? []).map((k) => `summary.${k}`);
  // Defaults skip the bookkeeping keys (_step, _runtime, _timestamp).
  const userSummary = summaryFields.filter((f) => !f.startsWith("summary._"));
  const all = [...configFields, ...summaryFields];
  const chosenKeys = q.has("pc") ? listParam(q, "pc").filter((k) => k !== "-") : configFields.slice(0, 4);
  const metric = q.get("pm") ?? userSummary[0] ?? summaryFields[0] ?? "";
  const sx = q.get("sx") ?? configFields[0] ?? all[0] ?? "";
  const sy = q.get("sy") ?? userSummary[0] ?? all[1] ?? "";
  const needed = [...new Set([...chosenKeys, metric, sx, sy].filter(Boolean))];
  const runs = useAsync(
    (signal) =>
      api.runs(entity, project, { filters: view.filters, search: view.search, order: view.order, limit: MAX_RUNS, columns: needed }, signal),
    [entity, project, view.filtersText, view.search, view.order, needed.join(",")],
  );
  const c = useMemo(colors, [theme]);
  const logAxes = useMemo(() => new Set(listParam(q, "plog")), [q.get("plog")]);
  const pcPanel = useRef<HTMLDivElement>(null);
  const scatterPanel = useRef<HTMLDivElement>(null);
  const pcFields = useMemo(() => [...chosenKeys.filter((k) => k !== metric), metric], [chosenKeys.join(","), metric]);
  const setLog = (field: string, on: boolean) =>
    setQuery({ plog: [...[...logAxes].filter((f) => f !== field), ...(on ? [field] : [])].join(",") || null });
  const sSpec = useMemo(() => (runs.data && sx && sy ? scatterSpec(runs.data.runs, sx, sy, c, runColors) : null), [runs.data, sx, sy, c, runColors]);
  if (!all.length) return <p class="muted pad">No config or summary keys logged yet.</p>;
  const toggleKey = (k: string) =>
    setQuery({ pc: (chosenKeys.includes(k) ? chosenKeys.filter((x) => x !== k) : [...chosenKeys, k]).join(",") || "-" });
  return (
    <div class="comparison">
      {runs.error !== undefined && <ErrorBanner error={runs.error} onRetry={runs.reload} />}
      <div class="comparison-grid">
        <div class="panel panel-wide" ref={pcPanel}>
          <header class="panel-head">
            <h3 class="panel-title">Parallel coordinates</h3>
            <FigureExportMenu title="Parallel coordinates" figure={() => pcPanel.current}
              csv={() => runsCsv(runs.data?.runs ?? [], pcFields)} />
          </header>
          <div class="toolbar">
            <details class="key-picker">
              <summary class="btn">Config keys ({chosenKeys.length})</summary>
              <ul class="check-list">
                {configFields.slice(0, 300).map((k) => (
                  <li key={k}>
                    <label>
                      <input type="checkbox" checked={chosenKeys.includes(k)} onChange={() => toggleKey(k)} />
                      <span class="col-name">{k.slice(7)}</span>
                    </label>
                  </li>
                ))}
              </ul>
            </details>
            <FieldSelect label="Metric" value={metric} options={summaryFields} onChange={(v) => setQuery({ pm: v })} />
          </div>
          {runs.data && metric && (
            <ParallelCoordinates runs={runs.data.runs} fields={pcFields} metric={metric} logAxes={logAxes}
              onLog={setLog} onSelect={viewActions.selected} />
          )}
        </div>
        <div class="panel panel-wide" ref={scatterPanel}>
          <header class="panel-head">
            <h3 class="panel-title">Scatter</h3>
            <FigureExportMenu title={`Scatter ${sy} against ${sx}`} figure={() => scatterPanel.current}
              csv={() => runsCsv(runs.data?.runs ?? [], [sx, sy])} />
          </header>
          <div class="toolbar">
            <FieldSelect label="Scatter x" value={sx} options={all} onChange={(v) => setQuery({ sx: v })} />
            <FieldSelect label="Scatter y" value={sy} options={all} onChange={(v) => setQuery({ sy: v })} />
          </div>
          {sSpec && <VegaChart spec={sSpec} label="Scatter chart" />}
        </div>
      </div>
      {runs.data && runs.data.total > MAX_RUNS && (
        <p class="muted small">Showing the first {MAX_RUNS} of {runs.data.total} runs.</p>
      )}
    </div>
  );
}
