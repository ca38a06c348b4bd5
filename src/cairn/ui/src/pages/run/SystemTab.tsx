/** The run page's System tab: the run's system metrics (CPU, memory, disk, network, GPUs)
 * charted against the run's relative time. Per-device metrics (`cpu.3.cpu_percent`,
 * `gpu.1.gpu`) share one chart, a line per device. Refreshes while the run is running. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { environmentApi, type SystemData } from "../../api/environment";
import type { Run } from "../../api/types";
import { wireArray } from "../../api/values";
import type { DrawLine } from "../../charts/lines";
import { LineChart } from "../../charts/LineChart";
import { ErrorBanner } from "../../components/ErrorBanner";
import { paletteColor } from "../../lib/colors";
import { useAsync } from "../../lib/useAsync";
import { type SystemChart, systemCharts } from "./systemCharts";

const POINTS = 1000;
const REFRESH_MS = 5000;

function linesOf(chart: SystemChart, data: SystemData, start: number): DrawLine[] {
  const n = data.at.length;
  const xs = Float64Array.from(data.at, (t) => t - start);
  return chart.members.map((m, i) => ({
    id: m.key,
    label: m.label,
    color: paletteColor(i),
    len: n,
    xs,
    ys: wireArray(data.series[m.key], n),
    raw: null,
    lo: null,
    hi: null,
    group: false,
  }));
}

export function SystemTab({ run, theme }: { run: Run; theme: string }) {
  const data = useAsync((s) => environmentApi.system(run.entity, run.project, run.id, POINTS, s), [run.entity, run.project, run.id]);
  const [zoom, setZoom] = useState<readonly [number, number] | null>(null);
  const running = run.state === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => data.reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [running, data.reload]);
  const charts = useMemo(() => systemCharts(Object.keys(data.data?.series ?? {})), [data.data]);

  if (data.error !== undefined && !data.data) return <ErrorBanner error={data.error} onRetry={data.reload} />;
  if (!data.data) return <div class="loading-block" aria-label="loading" />;
  if (!charts.length) {
    return (
      <div class="empty-state">
        <h2>No system metrics</h2>
        <p class="muted">This run recorded none (the <code>system_interval</code> setting is 0, or it ran before cairn sampled them).</p>
      </div>
    );
  }
  const d = data.data;
  return (
    <section class="panel-grid system-grid" aria-label="System metrics">
      {charts.map((chart) => (
        <section class="panel" key={chart.id} aria-label={chart.title}>
          <header class="panel-head">
            <h3 class="panel-title" title={chart.id}>{chart.title}</h3>
          </header>
          <LineChart
            lines={linesOf(chart, d, run.created_at)}
            x="_runtime"
            log={false}
            zoom={zoom}
            height={180}
            theme={theme}
            syncKey="system"
            onZoom={(a, b) => setZoom([a, b])}
            onResetZoom={() => setZoom(null)}
            onWidth={() => undefined}
            label={`${chart.title} chart`}
          />
        </section>
      ))}
    </section>
  );
}
