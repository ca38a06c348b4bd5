/** A report's live panel block: its own run set (a workspace query string: filters, search,
 * order; and a cap), drawn by the workspace's panel grid, so every panel type the grid
 * draws can be a block. */
import { useMemo, useState } from "preact/hooks";
import { api } from "../../api/client";
import type { PanelBlock } from "../../api/reports";
import type { Run } from "../../api/types";
import type { ChartData } from "../../charts/chartData";
import { ChartPanel, type ChartSettings } from "../../charts/ChartPanel";
import { MAX_W, resolveMetrics, type ShownSection } from "../../charts/layout";
import { PanelSections } from "../../charts/PanelSections";
import { ErrorBanner } from "../../components/ErrorBanner";
import { FullScreen } from "../../components/FullScreen";
import { useAsync } from "../../lib/useAsync";
import { chartRunsOf } from "../workspace/chartRuns";
import { readView } from "../workspace/viewState";

interface Props {
  entity: string;
  project: string;
  block: PanelBlock;
  data: ChartData;
  /** Every chartable metric key of the project. */
  keys: readonly string[];
  theme: string;
}

const noZoom = () => undefined;

export function ReportPanel({ entity, project, block, data, keys, theme }: Props) {
  const view = useMemo(() => readView(new URLSearchParams(block.runs.query)), [block.runs.query]);
  const runs = useAsync(
    (signal) =>
      api.runs(entity, project, { filters: view.filters, search: view.search, order: view.order, limit: block.runs.max }, signal),
    [entity, project, block.runs.query, block.runs.max],
  );
  const rows: Run[] = runs.data?.runs ?? [];
  const chart = useMemo(() => {
    const byId = new Map(rows.map((r) => [r.id, r]));
    return chartRunsOf(rows, null, { ...view, chartRuns: block.runs.max }, (id) => byId.get(id));
  }, [runs.data, view, block.runs.max]);
  const [zoom, setZoom] = useState<readonly [number, number] | null>(null);
  const [full, setFull] = useState(false);
  const settings: ChartSettings = { x: view.x, smoothing: view.smoothing, log: view.log, zoom, theme };
  const panel = block.panel;
  const sections: ShownSection[] = [{
    id: block.id,
    name: panel.settings.title ?? "",
    collapsed: false,
    inLayout: true,
    panels: [{ id: panel.id, type: panel.type, w: MAX_W, h: panel.h ?? 2, settings: panel.settings, autoKey: null }],
  }];
  const byId = useMemo(() => new Map(rows.map((r) => [r.id, r])), [runs.data]);
  const syncKey = `report:${block.id}`;
  return (
    <div class="report-panel" data-runs={rows.length}>
      {runs.error !== undefined && <ErrorBanner error={runs.error} onRetry={runs.reload} />}
      {runs.data && rows.length === 0 && <p class="muted pad">No run matches this block's run set.</p>}
      <PanelSections sections={sections} specs={chart.specs} data={data} settings={settings}
        onZoom={(z) => setZoom(z)} onFullScreen={() => setFull(true)} syncKey={syncKey} keys={keys}
        runInfo={(id) => byId.get(id)} />
      <p class="report-runs muted">
        {runs.data ? `${rows.length.toLocaleString()} of ${runs.data.total.toLocaleString()} runs` : "…"}
        {block.runs.query ? ` · ${describe(view.search, view.filtersText)}` : ""}
      </p>
      {full && (
        <FullScreen title={panel.settings.title ?? "Panel"} onClose={() => setFull(false)}>
          <ChartPanel metric={(panel.settings.metrics ?? [])[0] ?? ""} keys={resolveMetrics(panel.settings.metrics ?? [], keys)}
            own={panel.settings} title={panel.settings.title} specs={chart.specs} data={data} settings={{ ...settings, zoom: null }}
            onZoom={noZoom} height={Math.max(300, window.innerHeight - 140)} syncKey={`${syncKey}:full`} />
        </FullScreen>
      )}
    </div>
  );
}

function describe(search: string, filters: string | null): string {
  const parts = [];
  if (search) parts.push(`search “${search}”`);
  if (filters) parts.push("filtered");
  return parts.length ? parts.join(", ") : "all runs";
}
