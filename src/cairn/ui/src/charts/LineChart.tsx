/** A line chart: uPlot draws the axes, grid, cursor and drag selection on canvas; our draw
 * hook draws every line (each with its own x values) with bands and markers. Drag to zoom,
 * double-click to reset; hover for every line's value at the cursor. */
import { useEffect, useMemo, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatX, xKindOf } from "./axes";
import { chartOptions } from "./chartOptions";
import { drawLines } from "./draw";
import { extentsOf, withOwnScale, type Extents, type OwnScale } from "./extents";
import type { DrawLine } from "./lines";
import { renderTooltip } from "./tooltip";

export interface LineChartProps {
  lines: readonly DrawLine[];
  x: string;
  log: boolean;
  zoom: readonly [number, number] | null;
  height: number;
  theme: string;
  /** Charts with the same key move their cursors together. */
  syncKey: string;
  onZoom: (min: number, max: number) => void;
  onResetZoom: () => void;
  /** The plotting area's width in CSS pixels (the envelope's bucket count). */
  onWidth: (width: number) => void;
  label: string;
  /** Data is on its way: no "No data" note yet. */
  loading?: boolean;
  /** A panel's own scales: y range, outliers ignored, log x. */
  own?: OwnScale;
}

const RESIZE_DEBOUNCE_MS = 120;

let firstChartMarked = false;

/** A performance mark when the page first draws a chart with data (for benchmarks:
 * `performance.getEntriesByName("cairn:first-chart")`). */
function markFirstChart(lines: readonly DrawLine[]): void {
  if (firstChartMarked || !lines.some((l) => l.len > 0)) return;
  firstChartMarked = true;
  performance.mark("cairn:first-chart");
}

/** The y axis's labels as drawn on the canvas, on the chart's element (`data-yticks`,
 * "|"-separated), so what the axis reads can be checked without reading pixels; and a
 * count of draws. */
function publishTicks(el: HTMLElement, u: uPlot): void {
  const values = (u.axes[1] as { _values?: (string | null)[] } | undefined)?._values ?? [];
  const text = values.filter((v) => v).join("|");
  const figure = el.parentElement;
  if (!figure) return;
  if (figure.dataset.yticks !== text) figure.dataset.yticks = text;
  // How many times the chart has been drawn (`data-draws`): a benchmark waits for a change.
  figure.dataset.draws = String(Number(figure.dataset.draws ?? 0) + 1);
}

/** uPlot's data: the x and y extents only; the draw hook draws the lines themselves. */
function dataOf(ext: Extents | null): uPlot.AlignedData {
  return ext ? [ext.x, ext.y] : [[0, 1], [null, null]];
}

export function LineChart(props: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const kind = xKindOf(props.x);
  const monotonic = kind !== "metric";
  const own = props.own;
  const logX = !!own?.logX && kind !== "time";
  const extents = useMemo(() => {
    const ext = extentsOf(props.lines, props.zoom, props.log, monotonic);
    return own ? withOwnScale(ext, props.lines, own, props.log) : ext;
  }, [props.lines, props.zoom, props.log, monotonic, own?.yMin, own?.yMax, own?.ignoreOutliers, logX]);
  const state = useRef({ props, extents, highlight: null as string | null, hovered: false });
  state.current.props = props;
  state.current.extents = extents;

  // Create uPlot when what its options depend on changes; data updates go through setData.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const s = state.current;
    const opts = chartOptions(
      { width: Math.max(100, el.clientWidth), height: props.height, kind, log: props.log, syncKey: props.syncKey, logX },
      {
        draw: (u) => {
          drawLines(u, s.props.lines, s.props.log, s.hovered ? s.highlight : null);
          markFirstChart(s.props.lines);
          publishTicks(el, u);
        },
        select: (min, max) => s.props.onZoom(min, max),
        cursor: (u) => showTooltip(u),
      },
    );

    function showTooltip(u: uPlot): void {
      const t = tip.current;
      if (!t) return;
      const { left, top } = u.cursor;
      if (!s.hovered || left === undefined || top === undefined || left < 0 || !s.props.lines.length) {
        t.hidden = true;
        if (s.highlight !== null) {
          s.highlight = null;
          u.redraw(false, false);
        }
        return;
      }
      const xv = u.posToVal(left, "x");
      const reach = Math.abs(u.posToVal(left + 8, "x") - xv);
      const hover = renderTooltip(t, s.props.lines, xv, top, (v) => u.valToPos(v, "y"), formatX(kind, xv), reach);
      if (hover.nearest !== s.highlight) {
        s.highlight = hover.nearest;
        u.redraw(false, false);
      }
      t.hidden = false;
      const plotLeft = u.over.offsetLeft;
      const w = t.offsetWidth;
      const flip = left + plotLeft + 16 + w > el!.clientWidth;
      t.style.left = `${Math.max(0, flip ? left + plotLeft - w - 16 : left + plotLeft + 16)}px`;
      t.style.top = `${Math.max(0, Math.min(top, u.over.clientHeight - t.offsetHeight) + u.over.offsetTop)}px`;
    }

    const u = new uPlot(opts, dataOf(s.extents), el);
    plot.current = u;
    const onEnter = () => (s.hovered = true);
    const onLeave = () => {
      s.hovered = false;
      showTooltip(u);
    };
    const onDbl = () => s.props.onResetZoom();
    u.over.addEventListener("mouseenter", onEnter);
    u.over.addEventListener("mouseleave", onLeave);
    u.over.addEventListener("dblclick", onDbl);
    s.props.onWidth(Math.round(u.bbox.width / (uPlot.pxRatio || 1)));

    let timer: ReturnType<typeof setTimeout> | null = null;
    const ro = new ResizeObserver(() => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        const width = Math.max(100, el.clientWidth);
        if (width !== u.width || s.props.height !== u.height) {
          u.setSize({ width, height: s.props.height });
          s.props.onWidth(Math.round(u.bbox.width / (uPlot.pxRatio || 1)));
        }
      }, RESIZE_DEBOUNCE_MS);
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      if (timer) clearTimeout(timer);
      u.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.theme, props.log, kind, props.syncKey, logX]);


  // New lines, zoom or size: recompute the ranges and redraw.
  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    if (props.height !== u.height) u.setSize({ width: u.width, height: props.height });
    u.setData(dataOf(extents));
  }, [extents, props.height]);

  const empty = !props.loading && props.lines.every((l) => l.len === 0);
  return (
    <div class="chart" role="figure" aria-label={props.label} data-lines={props.lines.length} data-points={props.lines.reduce((n, l) => n + l.len, 0)}
      data-ymin={extents?.y[0]}
      data-ymax={extents?.y[1]}
      data-drawn-max={extents?.drawnMax}
    >
      <div class="chart-canvas" ref={box} />
      <div class="chart-tooltip" ref={tip} hidden />
      {empty && <div class="chart-empty">No data</div>}
    </div>
  );
}
