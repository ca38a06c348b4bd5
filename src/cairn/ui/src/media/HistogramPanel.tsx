/** Histograms over steps: a heat map (x: step, y: value, shade: share of the step's
 * counts) and, for the step chosen with the slider, its bars. */
import { useEffect, useMemo, useRef } from "preact/hooks";
import { itemAt, type MediaItem, type MediaRef } from "../api/media";
import { RunLabel, StepSlider, stepsOf, useStep } from "./StepSlider";
import type { RunMedia } from "./ImagePanel";

export const ROWS = 64;

function histOf(item: MediaItem | undefined): MediaRef | undefined {
  const v = item?.value;
  return v && !Array.isArray(v) && v._type === "histogram" ? v : undefined;
}

/** The value range of every histogram, and each step's counts resampled to ROWS rows
 * (shares of the step's total). Exported for tests. */
export function heat(items: MediaItem[]): { lo: number; hi: number; columns: Float64Array[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const item of items) {
    const bins = histOf(item)?.bins ?? [];
    if (bins.length) {
      lo = Math.min(lo, bins[0] ?? lo);
      hi = Math.max(hi, bins[bins.length - 1] ?? hi);
    }
  }
  if (!(hi > lo)) hi = lo + 1;
  const columns = items.map((item) => {
    const col = new Float64Array(ROWS);
    const h = histOf(item);
    const values = h?.values ?? [];
    const bins = h?.bins ?? [];
    let total = 0;
    values.forEach((count, i) => {
      // A bin covers the rows its edges span; its count is shared among them evenly.
      const a = Math.floor((((bins[i] ?? lo) - lo) / (hi - lo)) * ROWS);
      const b = Math.ceil((((bins[i + 1] ?? hi) - lo) / (hi - lo)) * ROWS);
      const first = Math.min(ROWS - 1, Math.max(0, a));
      const last = Math.min(ROWS, Math.max(first + 1, b));
      for (let row = first; row < last; row++) col[row] = (col[row] ?? 0) + count / (last - first);
      total += count;
    });
    if (total > 0) for (let r = 0; r < ROWS; r++) col[r] = (col[r] ?? 0) / total;
    return col;
  });
  return { lo, hi, columns };
}

function HeatMap({ items, step, color }: { items: MediaItem[]; step: number; color: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const map = useMemo(() => heat(items), [items]);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext("2d");
    if (!c || !ctx) return;
    const width = (c.width = Math.max(1, c.clientWidth * devicePixelRatio));
    const height = (c.height = Math.max(1, c.clientHeight * devicePixelRatio));
    ctx.clearRect(0, 0, width, height);
    const n = map.columns.length;
    const peak = Math.max(1e-12, ...map.columns.map((col) => Math.max(...col)));
    map.columns.forEach((col, x) => {
      for (let r = 0; r < ROWS; r++) {
        const share = (col[r] ?? 0) / peak;
        if (share <= 0) continue;
        ctx.globalAlpha = Math.min(1, 0.15 + share * 0.85);
        ctx.fillStyle = color;
        ctx.fillRect((x / n) * width, height - ((r + 1) / ROWS) * height, Math.ceil(width / n), Math.ceil(height / ROWS));
      }
    });
    const at = items.findIndex((i) => i.step >= step);
    if (at >= 0) {
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "#888";
      ctx.strokeRect(((at + 0.5) / n) * width, 0, 0.5, height);
    }
  }, [map, step, color]);
  return (
    <div class="media-heat">
      <span class="media-axis muted">{map.hi.toPrecision(3)}</span>
      <canvas ref={canvas} role="img" aria-label="histogram over steps" />
      <span class="media-axis muted">{map.lo.toPrecision(3)}</span>
    </div>
  );
}

function Bars({ hist, color }: { hist: MediaRef | undefined; color: string }) {
  const values = hist?.values ?? [];
  const bins = hist?.bins ?? [];
  const peak = Math.max(1, ...values);
  if (!values.length) return <p class="muted">No histogram at this step.</p>;
  return (
    <svg class="media-bars" viewBox={`0 0 ${values.length} 100`} preserveAspectRatio="none" role="img"
      aria-label={`histogram from ${bins[0]} to ${bins[bins.length - 1]}`}>
      {values.map((v, i) => (
        <rect key={i} x={i + 0.05} width={0.9} y={100 - (v / peak) * 100} height={(v / peak) * 100} fill={color}>
          <title>{`${bins[i]?.toPrecision(4)} – ${bins[i + 1]?.toPrecision(4)}: ${v}`}</title>
        </rect>
      ))}
    </svg>
  );
}

export function HistogramPanel({ mediaKey, runs }: { mediaKey: string; runs: RunMedia[] }) {
  const steps = useMemo(() => stepsOf(runs), [runs]);
  const [step, setStep] = useStep(steps);
  return (
    <section class="panel media-panel" data-media-key={mediaKey} data-type="histogram">
      <div class="panel-head">
        <h3 class="panel-title">{mediaKey}</h3>
        <StepSlider steps={steps} step={step} onStep={setStep} label={mediaKey} />
      </div>
      {runs.map((r) => (
        <div class="media-run" key={r.run}>
          {runs.length > 1 && <RunLabel label={r.label} color={r.color} />}
          <HeatMap items={r.items} step={step} color={r.color} />
          <Bars hist={histOf(itemAt(r.items, step))} color={r.color} />
        </div>
      ))}
    </section>
  );
}
