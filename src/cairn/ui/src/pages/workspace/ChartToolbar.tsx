/** The charts' settings: panel search, x axis, smoothing, log scale, runs in charts, zoom. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ProjectMetric } from "../../api/types";
import { Icon } from "../../components/Icon";
import { formatTick, xLabel } from "../../charts/axes";
import { isChartable } from "../../lib/sections";
import { viewActions, type WorkspaceView } from "./viewState";

const RUN_COUNTS = [5, 10, 20, 50, 100, 200, 500, 1000] as const;
const MAX_X_OPTIONS = 500;

interface Props {
  view: WorkspaceView;
  metrics: readonly ProjectMetric[];
  /** "Runs" or "Groups" for the runs-in-charts menu; null: no such menu (the run page). */
  runsLabel: string | null;
}

/** The slider moves freely; the URL (and so the charts) follows at most every 80 ms. */
function SmoothingControl({ value }: { value: number }) {
  const [local, setLocal] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => setLocal(value), [value]);
  const set = (v: number) => {
    setLocal(v);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => viewActions.smoothing(v), 80);
  };
  return (
    <label class="control">
      <span>Smoothing</span>
      <input
        type="range"
        min={0}
        max={0.99}
        step={0.01}
        value={local}
        aria-label="Smoothing"
        onInput={(e) => set(Number(e.currentTarget.value))}
      />
      <span class="control-value">{local.toFixed(2)}</span>
    </label>
  );
}

export function ChartToolbar({ view, metrics, runsLabel }: Props) {
  const xOptions = metrics.filter(isChartable).slice(0, MAX_X_OPTIONS);
  const countValue = view.chartRuns === "all" ? "all" : String(view.chartRuns);
  return (
    <div class="toolbar chart-toolbar" role="toolbar" aria-label="Chart settings">
      <input
        class="input panel-search"
        type="search"
        placeholder="Search panels (text or /regex/)"
        aria-label="Search panels"
        value={view.panelSearch}
        onInput={(e) => viewActions.panelSearch(e.currentTarget.value)}
      />
      <label class="control">
        <span>X axis</span>
        <select class="input" aria-label="X axis" value={view.x} onChange={(e) => viewActions.x(e.currentTarget.value)}>
          {["_step", "_runtime", "_timestamp"].map((x) => (
            <option value={x} key={x}>
              {xLabel(x)}
            </option>
          ))}
          {xOptions.length > 0 && (
            <optgroup label="Metrics">
              {xOptions.map((m) => (
                <option value={m.key} key={m.key}>
                  {m.key}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      <SmoothingControl value={view.smoothing} />
      <button
        type="button"
        class={view.log ? "btn btn-toggle on" : "btn btn-toggle"}
        aria-pressed={view.log}
        aria-label="Log scale"
        onClick={() => viewActions.log(!view.log)}
      >
        Log y
      </button>
      {runsLabel && <label class="control">
        <span>{runsLabel} in charts</span>
        <select
          class="input"
          aria-label="Runs in charts"
          value={countValue}
          onChange={(e) => {
            const v = e.currentTarget.value;
            viewActions.chartRuns(v === "all" ? "all" : Number(v));
          }}
        >
          {!RUN_COUNTS.includes(view.chartRuns as (typeof RUN_COUNTS)[number]) && view.chartRuns !== "all" && (
            <option value={countValue}>first {countValue}</option>
          )}
          {RUN_COUNTS.map((n) => (
            <option value={String(n)} key={n}>
              first {n}
            </option>
          ))}
          <option value="all">all</option>
        </select>
      </label>}
      {view.zoom && (
        <button type="button" class="btn" aria-label="Reset zoom" onClick={() => viewActions.zoom(null)}>
          <Icon name="reset" size={13} /> {formatTick(view.zoom[0])}–{formatTick(view.zoom[1])}
        </button>
      )}
    </div>
  );
}
