/** The run's charts: every numeric metric it logged, in sections, live while it runs. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { useLiveEvents } from "../../api/events";
import type { RunDetail, RunEvent } from "../../api/types";
import { ChartData } from "../../charts/chartData";
import { ChartPanel, type ChartSettings } from "../../charts/ChartPanel";
import { download } from "../../charts/export";
import { Icon } from "../../components/Icon";
import { PanelSections } from "../../charts/PanelSections";
import { FullScreen } from "../../components/FullScreen";
import { runColor } from "../../lib/colors";
import { shownSections } from "../../charts/layout";
import { sectionsOf } from "../../lib/sections";
import { useQuery } from "../../router";
import { ChartToolbar } from "../workspace/ChartToolbar";
import { readView, viewActions } from "../workspace/viewState";
import { runHistoryCsv } from "./historyExport";

interface Props {
  run: RunDetail;
  theme: string;
  onRun: (ev: RunEvent) => void;
}

/** Download the run's whole history (every step, every numeric metric) as CSV. */
function HistoryDownload({ run }: { run: RunDetail }) {
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setNote(null);
    try {
      const out = await runHistoryCsv(run);
      download(`${run.name || run.id}-history.csv`.replace(/[^\w.-]+/g, "_"), out.csv, "text/csv");
      setNote(out.cut ? `Saved ${out.cut}.` : `Saved ${out.rows.toLocaleString()} steps.`);
    } catch (e) {
      setNote(`Could not export the history: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="history-download">
      <button type="button" class="btn btn-small" onClick={save} disabled={busy || run.metrics.length === 0}>
        <Icon name="download" size={12} /> {busy ? "Reading the history…" : "History (CSV)"}
      </button>
      {note && (
        <span class={note.startsWith("Could not") ? "inline-error" : "muted small"} role="status">
          {note}
        </span>
      )}
    </div>
  );
}

export function RunCharts({ run, theme, onRun }: Props) {
  const view = readView(useQuery());
  const data = useMemo(() => new ChartData(run.entity, run.project), [run.entity, run.project, run.id]);
  useEffect(() => () => data.dispose(), [data]);
  const metrics = useMemo(
    () => run.metrics.map((m) => ({ key: m.key, kind: m.kind, runs: 1 })),
    [run.metrics.map((m) => m.key).join("\n")],
  );
  const sections = useMemo(() => sectionsOf(metrics, view.panelSearch), [metrics, view.panelSearch]);
  const shown = useMemo(() => shownSections(null, sections), [sections]);
  const specs = useMemo(
    () => [{ id: run.id, label: run.name || run.id, color: runColor(run.id), runs: [run.id], group: false }],
    [run.id, run.name],
  );
  useLiveEvents(run.entity, run.project, data, [run.id], run.state === "running" ? [run.id] : [], { onRun });
  const settings: ChartSettings = { x: view.x, smoothing: view.smoothing, log: view.log, zoom: view.zoom, theme };
  const syncKey = `run:${run.id}:${view.x}`;
  return (
    <div class="run-charts">
      <ChartToolbar view={view} metrics={metrics} runsLabel={null} />
      <HistoryDownload run={run} />
      {sections.length === 0 && <p class="muted pad">{view.panelSearch ? "No metric matches." : "No metrics logged yet."}</p>}
      <PanelSections
        sections={shown}
        keys={metrics.map((m) => m.key)}
        specs={specs}
        data={data}
        settings={settings}
        onZoom={viewActions.zoom}
        onFullScreen={(key) => viewActions.full(key)}
        syncKey={syncKey}
        storageKey={`cairn.run-sections.${run.entity}/${run.project}`}
      />
      {view.full && (
        <FullScreen title={view.full} onClose={() => viewActions.full(null)}>
          <ChartPanel
            metric={view.full}
            specs={specs}
            data={data}
            settings={settings}
            onZoom={viewActions.zoom}
            height={Math.max(300, window.innerHeight - 140)}
            syncKey={`${syncKey}:full`}
          />
        </FullScreen>
      )}
    </div>
  );
}
