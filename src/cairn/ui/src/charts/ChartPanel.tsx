/** A metric's panel (or a configured panel's metrics): fetches its envelopes only while
 * on screen, sized to its pixel width, keeps showing the previous data while a zoom's
 * finer data loads, and redraws on live points. A configured panel's own settings
 * (`layout.ts` LineSettings) override the workspace's for it alone. */
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { Icon } from "../components/Icon";
import { xKindOf } from "./axes";
import type { ChartData, View } from "./chartData";
import { viewKey } from "./chartData";
import { ExportMenu } from "./ExportMenu";
import type { LineSettings } from "./layout";
import { LineChart } from "./LineChart";
import { keepSnapshot } from "./snapshot";
import { buildLine, type DrawLine, type LineSpec, type LineStyle } from "./lines";
import { paletteColor } from "../lib/colors";
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
  /** The keys a configured panel draws (its metrics resolved); default: `metric`. */
  keys?: readonly string[];
  /** A configured panel's own settings. */
  own?: LineSettings;
  /** Its legend text from a template; default: the run's (or group's) label. */
  labelOf?: (spec: LineSpec, metric: string, many: boolean) => string;
  /** Controls the panel's owner adds to its header (the panel menu). */
  menu?: ComponentChildren;
  title?: string;
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

function styleOf(own: LineSettings | undefined): LineStyle {
  if (!own) return {};
  return { smoothing: own.smoothing, aggregate: own.aggregate, band: own.band };
}

function defaultLabel(spec: LineSpec, metric: string, many: boolean): string {
  return many ? `${spec.label} · ${metric}` : spec.label;
}

function useLines(props: Props, keys: readonly string[], specs: readonly LineSpec[], view: View | null, smoothing: number, tick: number): Loaded {
  const { data, own } = props;
  const style = styleOf(own);
  const labelOf = props.labelOf ?? defaultLabel;
  return useMemo(() => {
    if (!view) return { lines: [], loading: true, error: undefined };
    let loading = false;
    let error: unknown;
    const lines: DrawLine[] = [];
    const sortX = xKindOf(view.x) === "metric";
    const many = keys.length > 1;
    // One run, several metrics: a colour per metric, else every line would look alike.
    const byMetric = many && specs.length === 1;
    keys.forEach((metric, k) => {
      for (const spec of specs) {
        const members: Series[] = [];
        for (const run of spec.runs) {
          const e = data.get(view, run, metric);
          if (!e || e.loading) loading = true;
          if (e?.error) error = e.error;
          if (e?.series) members.push(e.series);
        }
        if (!members.length) continue;
        const drawn: LineSpec = {
          ...spec,
          id: many ? `${spec.id}|${metric}` : spec.id,
          label: labelOf(spec, metric, many),
          color: byMetric ? paletteColor(k) : spec.color,
        };
        lines.push(buildLine(drawn, members, smoothing, view.buckets, sortX, style));
      }
    });
    return { lines, loading, error };
  }, [specs, data, keys.join("\n"), view && viewKey(view), smoothing, tick, JSON.stringify(style), props.labelOf]);
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
  const { metric, data, settings, own } = props;
  const keys = props.keys ?? [metric];
  const keysSig = keys.join("\n");
  const x = own?.x || settings.x;
  const log = own?.logY ?? settings.log;
  // A panel with its own x axis zooms on its own (the workspace's zoom is in other units).
  const [ownZoom, setOwnZoom] = useState<readonly [number, number] | null>(null);
  const ownX = x !== settings.x;
  const zoom = ownX ? ownZoom : settings.zoom;
  const onZoom = ownX ? setOwnZoom : props.onZoom;
  const maxRuns = own?.maxRuns;
  const specs = useMemo(
    () => (maxRuns && maxRuns > 0 ? props.specs.slice(0, maxRuns) : props.specs),
    [props.specs, maxRuns],
  );
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
  const buckets = bucketsFor(width || DEFAULT_BUCKETS, runCount * keys.length);
  const view: View | null = width ? { x, buckets, min: zoom?.[0] ?? null, max: zoom?.[1] ?? null } : null;
  const vk = view && viewKey(view);
  const runsSig = specs.map((s) => s.runs.join(",")).join(";");
  const runIds = () => [...new Set(specs.flatMap((s) => s.runs))];

  useEffect(() => {
    if (!visible) return;
    const offs = keys.map((k) => data.subscribe(k, () => setTick((t) => t + 1)));
    return () => offs.forEach((off) => off());
  }, [visible, data, keysSig]);

  useEffect(() => {
    if (visible && view) for (const k of keys) data.want(view, runIds(), k);
  }, [visible, vk, runsSig, tick, data, keysSig]);

  const loaded = useLines(props, keys, specs, view, settings.smoothing, tick);
  // While a zoom (or new runs) loads, keep the last complete picture on screen.
  const lastGood = useRef<DrawLine[]>([]);
  if (!loaded.loading || loaded.lines.length >= lastGood.current.length) lastGood.current = loaded.lines;
  const lines = loaded.loading ? lastGood.current : loaded.lines;
  const title = props.title ?? metric;
  const height = props.height ?? 220;
  const ownScale = own && { yMin: own.yMin, yMax: own.yMax, ignoreOutliers: own.ignoreOutliers, logX: own.logX };
  useEffect(() => keepSnapshot(ref.current, { title, lines, x, log, zoom, height }));

  return (
    <section class="panel" ref={ref} aria-label={title} data-metric={props.keys ? undefined : metric}>
      <header class="panel-head">
        <h3 class="panel-title" title={keys.length > 1 ? keys.join(", ") : metric}>
          {title}
        </h3>
        {loaded.loading && visible && <span class="panel-loading" aria-label="loading" />}
        {visible && <ExportMenu title={metric} metric={metric} lines={lines} specs={specs} x={settings.x} log={settings.log}
          zoom={settings.zoom} entity={data.entity} project={data.project} panel={() => ref.current} />}
        {props.menu}
        {props.onFullScreen && (
          <button type="button" class="icon-btn" aria-label={`Full screen ${title}`} title="Full screen" onClick={props.onFullScreen}>
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
            onClick={() => {
              if (view) for (const k of keys) data.retry(view, runIds(), k);
            }}
          >
            Retry
          </button>
        </div>
      ) : visible ? (
        <LineChart
          lines={lines}
          x={x}
          log={log}
          zoom={zoom}
          height={height}
          theme={settings.theme}
          syncKey={ownX ? `${props.syncKey}|${x}` : props.syncKey}
          onZoom={(a, b) => onZoom(x === "_step" ? [Math.max(0, Math.floor(a)), Math.ceil(b)] : [a, b])}
          onResetZoom={() => onZoom(null)}
          onWidth={onWidth}
          label={`${title} chart`}
          loading={loaded.loading}
          own={ownScale}
        />
      ) : (
        <div class="chart-placeholder" style={{ height: `${height}px` }} />
      )}
      {visible && <Legend lines={lines} metric={title} />}
    </section>
  );
}
