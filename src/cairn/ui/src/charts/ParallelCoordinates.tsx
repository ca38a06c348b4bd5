/** Parallel coordinates in SVG: one line per run across config keys and a metric, coloured
 * by the metric. Drag along an axis to brush a range (runs outside every brush fade); a
 * click on an axis clears its brush; numeric axes can be put on a log scale. */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Run } from "../api/types";
import { numericValue } from "../lib/flatten";
import { fieldValue } from "../lib/flatten";
import { formatValue } from "../lib/format";
import { inBrushes, pcAxis, viridis, type Brushes, type PcAxis } from "./parallel";

interface Props {
  runs: readonly Run[];
  /** The axes, left to right (the metric last). */
  fields: readonly string[];
  metric: string;
  logAxes: ReadonlySet<string>;
  onLog: (field: string, on: boolean) => void;
  /** Select the brushed runs in the table (and so in the charts). */
  onSelect: (ids: string[]) => void;
  /** Brushes held by the caller (a panel keeps them as the runs filter): given, they are
   * drawn, and every change is handed to `onBrushes` with the axes it is on. */
  brushes?: Brushes;
  onBrushes?: (brushes: Brushes, axes: readonly PcAxis[]) => void;
  height?: number;
}

const DEFAULT_HEIGHT = 300;
const TOP = 34;
const BOTTOM = 18;
const SIDE = 36;
const HIT = 28;
const MIN_BRUSH_PX = 3;

function useWidth(): [preact.RefObject<HTMLDivElement>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth || 600);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth || 600));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

export function ParallelCoordinates({ runs, fields, metric, logAxes, onLog, onSelect, height: HEIGHT = DEFAULT_HEIGHT, ...held }: Props) {
  const [box, width] = useWidth();
  const [own, setOwn] = useState<Brushes>(new Map());
  const [drag, setDrag] = useState<{ field: string; from: number; to: number } | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  const axes = useMemo(
    () => fields.map((f) => pcAxis(runs, f, logAxes.has(f))),
    [runs, fields.join("\n"), [...logAxes].join("\n")],
  );
  const brushes = held.brushes ?? own;
  const setBrushes = (next: Brushes) => (held.onBrushes ? held.onBrushes(next, axes) : setOwn(next));
  // A brush is in axis positions, which a change of scale moves: changing axes clears it
  // (a held brush is in the axes' values, and is drawn again by its holder).
  useEffect(() => {
    if (!held.brushes) setOwn(new Map());
  }, [fields.join("\n"), [...logAxes].join("\n")]);

  const plotH = HEIGHT - TOP - BOTTOM;
  const xOf = (i: number) => (axes.length === 1 ? width / 2 : SIDE + (i * (width - 2 * SIDE - 40)) / (axes.length - 1));
  const yOf = (p: number) => TOP + (1 - p) * plotH;
  const posOfClientY = (clientY: number) => {
    const top = svg.current?.getBoundingClientRect().top ?? 0;
    return Math.min(1, Math.max(0, 1 - (clientY - top - TOP) / plotH));
  };

  const metricAxis = axes[axes.length - 1];
  const colorOf = (run: Run) => {
    const m = numericValue(fieldValue(run as Run & Record<string, unknown>, metric));
    const p = metricAxis && m !== null && Number.isFinite(m) ? metricAxis.pos(run) : null;
    return p === null ? "var(--text-muted)" : viridis(p);
  };
  const live: Brushes = drag
    ? new Map([...brushes, [drag.field, [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)] as const]])
    : brushes;
  const brushing = live.size > 0;
  const inside = runs.filter((r) => inBrushes(r, axes, live));
  const insideIds = new Set(inside.map((r) => r.id));

  const pathOf = (run: Run) => {
    let d = "";
    let pen = false;
    axes.forEach((a, i) => {
      const p = a.pos(run);
      if (p === null) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${xOf(i).toFixed(1)},${yOf(p).toFixed(1)}`;
      pen = true;
    });
    return d;
  };

  // The drag lives in a ref too: pointer events can come faster than renders, and each
  // handler must see the latest one, not the one of the render that created it.
  const dragRef = useRef(drag);
  const update = (next: typeof drag) => {
    dragRef.current = next;
    setDrag(next);
  };
  const onDown = (field: string) => (e: PointerEvent) => {
    (e.currentTarget as Element).setPointerCapture(e.pointerId);
    const p = posOfClientY(e.clientY);
    update({ field, from: p, to: p });
  };
  const onMove = (e: PointerEvent) => {
    const d = dragRef.current;
    if (d) update({ ...d, to: posOfClientY(e.clientY) });
  };
  const onUp = (e: PointerEvent) => {
    const d = dragRef.current;
    if (!d) return;
    const to = posOfClientY(e.clientY);
    const next = new Map(brushes);
    if (Math.abs(to - d.from) * plotH < MIN_BRUSH_PX) next.delete(d.field);
    else next.set(d.field, [Math.min(d.from, to), Math.max(d.from, to)]);
    setBrushes(next);
    update(null);
  };

  const numeric = axes.filter((a) => a.canLog);
  return (
    <div class="pc" ref={box}>
      <div class="toolbar pc-toolbar">
        {numeric.length > 0 && (
          <span class="pc-logs" role="group" aria-label="Log axes">
            <span class="muted small">Log axes:</span>
            {numeric.map((a) => (
              <label class="control pc-log" key={a.field}>
                <input type="checkbox" checked={a.kind === "log"} aria-label={`Log scale for ${a.name}`}
                  onChange={(e) => onLog(a.field, e.currentTarget.checked)} />
                <span>{a.name}</span>
              </label>
            ))}
          </span>
        )}
        <span class="pc-status" aria-live="polite">
          {brushing ? `${inside.length} of ${runs.length} runs in the brush` : `${runs.length} runs · drag along an axis to brush`}
        </span>
        {/* Always there (disabled without a brush): the chart must not move under a drag. */}
        <button type="button" class="btn btn-small" disabled={!brushing || !inside.length}
          onClick={() => onSelect(inside.map((r) => r.id))}>
          Select brushed runs
        </button>
        <button type="button" class="btn btn-small" disabled={!brushing} onClick={() => setBrushes(new Map())}>
          Clear brush
        </button>
      </div>
      <svg
        ref={svg}
        class="pc-svg"
        width={width}
        height={HEIGHT}
        role="figure"
        aria-label="Parallel coordinates chart"
        aria-busy="false"
        data-runs={runs.length}
        data-brushed={brushing ? inside.length : runs.length}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
      >
        <g class="pc-lines">
          {runs.map((r) =>
            insideIds.has(r.id) ? null : <path key={r.id} d={pathOf(r)} class="pc-line pc-out" />,
          )}
          {runs.map((r) =>
            insideIds.has(r.id) ? (
              <path key={r.id} d={pathOf(r)} class="pc-line" stroke={colorOf(r)} data-run={r.id}>
                <title>{`${r.name || r.id}: ${formatValue(fieldValue(r as Run & Record<string, unknown>, metric) ?? null)}`}</title>
              </path>
            ) : null,
          )}
        </g>
        {axes.map((a, i) => (
          <AxisView key={a.field} axis={a} x={xOf(i)} yOf={yOf} brush={live.get(a.field)} onDown={onDown(a.field)} />
        ))}
      </svg>
    </div>
  );
}

function AxisView({ axis, x, yOf, brush, onDown }: {
  axis: PcAxis;
  x: number;
  yOf: (p: number) => number;
  brush: readonly [number, number] | undefined;
  onDown: (e: PointerEvent) => void;
}) {
  return (
    <g class="pc-axis" data-field={axis.field} data-scale={axis.kind}>
      <line x1={x} x2={x} y1={yOf(0)} y2={yOf(1)} class="pc-axis-line" />
      <text x={x} y={TOP - 14} class="pc-axis-name" text-anchor="middle">
        {axis.name.length > 18 ? `${axis.name.slice(0, 17)}…` : axis.name}
        <title>{axis.field}</title>
      </text>
      {axis.ticks.map((t) => (
        <text key={`${t.pos}:${t.text}`} x={x + 5} y={yOf(t.pos) + 3} class="pc-tick">
          {t.text}
        </text>
      ))}
      {brush && (
        <rect x={x - 7} width={14} y={yOf(brush[1])} height={Math.max(1, yOf(brush[0]) - yOf(brush[1]))} class="pc-brush" />
      )}
      <rect
        x={x - HIT / 2}
        width={HIT}
        y={yOf(1) - 4}
        height={yOf(0) - yOf(1) + 8}
        class="pc-hit"
        aria-label={`Brush ${axis.name}`}
        onPointerDown={onDown}
      />
    </g>
  );
}
