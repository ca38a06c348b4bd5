/** One metric's panel: fetches its envelopes only while on screen, sized to its pixel
 * width, keeps showing the previous data while a zoom's finer data loads, and redraws on
 * live points. */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { Icon } from "../components/Icon";
import { xKindOf } from "./axes";
import type { ChartData, View } from "./chartData";
import { viewKey } from "./chartData";
import { ExportMenu } from "./ExportMenu";
import { LineChart } from "./LineChart";
import { buildLine, type DrawLine, type LineSpec } from "./lines";
import type { Series } from "./series";
import { useVisible } from "../lib/useVisible";

export interface ChartSettings {
  x: string;
  smoothing: number;
  log: boolean;
  zoom: readonly [number, number] | null;
  theme: string;
}

interface Props {
  metric: string;
  specs: readonly LineSpec[];
  data: ChartData;
  settings: ChartSettings;
  onZoom: (z: readonly [number, number] | null) => void;
  onFullScreen?: () => void;
  height?: number;
  syncKey: string;
}

const DEFAULT_BUCKETS = 600;
/** Room the y axis and padding take from a panel's width (until the chart measures it). */
const AXIS_ALLOWANCE = 70;
/** A chart whose width changes by less than this keeps its envelopes (no refetch). */
const WIDTH_TOLERANCE = 0.15;
/** Up to this many runs a chart asks for one bucket per pixel; past it, fewer (a thousand
 * overlaid lines show no per-pixel detail, and bytes grow with runs × buckets). Every
 * bucket still carries its min and max, so spikes stay visible. */
const FULL_DETAIL_RUNS = 100;
const MIN_BUCKETS = 100;

function bucketsFor(width: number, runs: number): number {
  const full = Math.max(16, Math.round(width));
  if (runs <= FULL_DETAIL_RUNS) return full;
  return Math.min(full, Math.max(MIN_BUCKETS, Math.round((full * FULL_DETAIL_RUNS) / runs)));
}

interface Loaded {
  lines: DrawLine[];
  loading: boolean;
  error: unknown;
}

function useLines(props: Props, view: View | null, tick: number): Loaded {
  const { specs, data, metric, settings } = props;
  return useMemo(() => {
    if (!view) return { lines: [], loading: true, error: undefined };
    let loading = false;
    let error: unknown;
    const lines: DrawLine[] = [];
    const sortX = xKindOf(settings.x) === "metric";
    for (const spec of specs) {
      const members: Series[] = [];
      for (const run of spec.runs) {
        const e = data.get(view, run, metric);
        if (!e || e.loading) loading = true;
        if (e?.error) error = e.error;
        if (e?.series) members.push(e.series);
      }
      if (members.length) lines.push(buildLine(spec, members, settings.smoothing, view.buckets, sortX));
    }
    return { lines, loading, error };
  }, [specs, data, metric, view && viewKey(view), settings.smoothing, tick]);
}

/** Entries a panel's legend lists before "+N more" (the table lists every run). */
const MAX_LEGEND = 12;

/** Which colour is which run (or group): the drawn lines in the panel's order. */
function Legend({ lines, metric }: { lines: readonly DrawLine[]; metric: string }) {
  if (!lines.length) return null;
  const more = lines.length - MAX_LEGEND;
  return (
    <ul class="legend" aria-label={`${metric} legend`}>
      {lines.slice(0, MAX_LEGEND).map((l) => (
        <li key={l.id} class="legend-item" data-color={l.color} title={l.label}>
          <span class="swatch legend-swatch" style={{ background: l.color }} aria-hidden="true" />
          <span class="legend-label">{l.label}</span>
        </li>
      ))}
      {more > 0 && <li class="legend-item muted">+{more} more</li>}
    </ul>
  );
}

export function ChartPanel(props: Props) {
  const { metric, specs, data, settings } = props;
  const [ref, visible] = useVisible<HTMLDivElement>();
  const [width, setWidth] = useState(0);
  const [tick, setTick] = useState(0);
  // Ask for data as soon as the panel is visible, at its estimated plot width, without
  // waiting for the chart to lay out; the chart's own measure replaces it if far off.
  useLayoutEffect(() => {
    if (visible && !width && ref.current) setWidth(Math.max(100, ref.current.clientWidth - AXIS_ALLOWANCE));
  }, [visible]);
  const onWidth = (w: number) => setWidth((old) => (old && Math.abs(old - w) / w < WIDTH_TOLERANCE ? old : w));
  const runCount = specs.reduce((n, sp) => n + sp.runs.length, 0);
  const buckets = bucketsFor(width || DEFAULT_BUCKETS, runCount);
  const view: View | null = width
    ? { x: settings.x, buckets, min: settings.zoom?.[0] ?? null, max: settings.zoom?.[1] ?? null }
    : null;
  const vk = view && viewKey(view);
  const runsSig = specs.map((s) => s.runs.join(",")).join(";");

  useEffect(() => {
    if (!visible) return;
    return data.subscribe(metric, () => setTick((t) => t + 1));
  }, [visible, data, metric]);

  useEffect(() => {
    if (visible && view) data.want(view, [...new Set(specs.flatMap((s) => s.runs))], metric);
  }, [visible, vk, runsSig, tick, data, metric]);

  const loaded = useLines(props, view, tick);
  // While a zoom (or new runs) loads, keep the last complete picture on screen.
  const lastGood = useRef<DrawLine[]>([]);
  if (!loaded.loading || loaded.lines.length >= lastGood.current.length) lastGood.current = loaded.lines;
  const lines = loaded.loading ? lastGood.current : loaded.lines;

  return (
    <section class="panel" ref={ref} aria-label={metric} data-metric={metric}>
      <header class="panel-head">
        <h3 class="panel-title" title={metric}>
          {metric}
        </h3>
        {loaded.loading && visible && <span class="panel-loading" aria-label="loading" />}
        {visible && <ExportMenu title={metric} metric={metric} lines={lines} specs={specs} x={settings.x} log={settings.log}
          zoom={settings.zoom} entity={data.entity} project={data.project} panel={() => ref.current} />}
        {props.onFullScreen && (
          <button type="button" class="icon-btn" aria-label={`Full screen ${metric}`} title="Full screen" onClick={props.onFullScreen}>
            <Icon name="expand" size={14} />
          </button>
        )}
      </header>
      {loaded.error !== undefined && !loaded.lines.length ? (
        <div class="panel-error" role="alert">
          Could not load this chart: {loaded.error instanceof Error ? loaded.error.message : String(loaded.error)}{" "}
          <button
            type="button"
            class="btn btn-small"
            onClick={() => view && data.retry(view, [...new Set(specs.flatMap((s) => s.runs))], metric)}
          >
            Retry
          </button>
        </div>
      ) : visible ? (
        <LineChart
          lines={lines}
          x={settings.x}
          log={settings.log}
          zoom={settings.zoom}
          height={props.height ?? 220}
          theme={settings.theme}
          syncKey={props.syncKey}
          onZoom={(a, b) => props.onZoom(settings.x === "_step" ? [Math.max(0, Math.floor(a)), Math.ceil(b)] : [a, b])}
          onResetZoom={() => props.onZoom(null)}
          onWidth={onWidth}
          label={`${metric} chart`}
          loading={loaded.loading}
        />
      ) : (
        <div class="chart-placeholder" style={{ height: `${props.height ?? 220}px` }} />
      )}
      {visible && <Legend lines={lines} metric={metric} />}
    </section>
  );
}
