/** Draws a chart's lines onto uPlot's canvas (after its axes and grid): per line the
 * min–max band where buckets hold several points, the faint raw line under a smoothed
 * one, the line itself, dots where points stand alone, and markers for infinite values
 * at the plot's edge. Each line keeps its own x values: no joining of runs onto one x grid. */
import uPlot from "uplot";
import { withAlpha } from "../lib/colors";
import type { DrawLine } from "./lines";

const LIMIT = 1e7;

function clampPx(v: number): number {
  return v < -LIMIT ? -LIMIT : v > LIMIT ? LIMIT : v;
}

interface Ctx {
  u: uPlot;
  /** Value → canvas pixel on each axis: uPlot's valToPos, worked out once per draw
   * (a thousand lines call it hundreds of thousands of times). */
  px: (v: number) => number;
  py: (v: number) => number;
  ctx: CanvasRenderingContext2D;
  log: boolean;
  dpr: number;
  top: number;
  bottom: number;
}

function usable(v: number, log: boolean): boolean {
  return Number.isFinite(v) && (!log || v > 0);
}

function drawBand(c: Ctx, line: DrawLine): void {
  const { lo, hi, xs, len } = line;
  if (!lo || !hi) return;
  const { ctx, log } = c;
  ctx.fillStyle = withAlpha(line.color, line.group ? 0.2 : 0.16);
  let i = 0;
  while (i < len) {
    while (i < len && !(usable(lo[i]!, log) && usable(hi[i]!, log))) i++;
    const start = i;
    while (i < len && usable(lo[i]!, log) && usable(hi[i]!, log)) i++;
    if (i - start < 1) continue;
    ctx.beginPath();
    for (let j = start; j < i; j++) {
      const px = clampPx(c.px(xs[j]!));
      const py = clampPx(c.py(hi[j]!));
      if (j === start) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    for (let j = i - 1; j >= start; j--) {
      ctx.lineTo(clampPx(c.px(xs[j]!)), clampPx(c.py(lo[j]!)));
    }
    ctx.closePath();
    ctx.fill();
    if (i - start === 1) {
      // One bucket alone: a band of no width; show its extent as a bar.
      const px = c.px(xs[start]!);
      ctx.fillRect(px - c.dpr, clampPx(c.py(hi[start]!)), 2 * c.dpr,
        clampPx(c.py(lo[start]!)) - clampPx(c.py(hi[start]!)));
    }
  }
}

function drawPath(c: Ctx, xs: Float64Array, ys: Float64Array, len: number, stroke: string, width: number, dots: boolean): void {
  const { ctx, log, dpr } = c;
  ctx.strokeStyle = stroke;
  ctx.fillStyle = stroke;
  ctx.lineWidth = width * dpr;
  ctx.lineJoin = "round";
  ctx.beginPath();
  let pen = false;
  const lonely: number[] = [];
  for (let i = 0; i < len; i++) {
    const y = ys[i]!;
    if (!usable(y, log)) {
      pen = false;
      continue;
    }
    const px = clampPx(c.px(xs[i]!));
    const py = clampPx(c.py(y));
    if (pen) ctx.lineTo(px, py);
    else {
      ctx.moveTo(px, py);
      pen = true;
      if (!(i + 1 < len && usable(ys[i + 1]!, log))) lonely.push(px, py);
    }
  }
  ctx.stroke();
  const r = (dots ? 2.5 : 2) * dpr;
  const all = dots ? collectAll(c, xs, ys, len) : lonely;
  for (let k = 0; k < all.length; k += 2) {
    ctx.beginPath();
    ctx.arc(all[k]!, all[k + 1]!, r, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function collectAll(c: Ctx, xs: Float64Array, ys: Float64Array, len: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    if (!usable(ys[i]!, c.log)) continue;
    out.push(c.px(xs[i]!), c.py(ys[i]!));
  }
  return out;
}

/** Infinite values (and, on a log scale, values ≤ 0 are simply gaps): a triangle at the
 * top or bottom edge where they happened, so an overflow is never invisible. */
function drawInfinities(c: Ctx, line: DrawLine): void {
  const { ctx, dpr } = c;
  const values = line.raw ?? line.ys;
  const hi = line.hi;
  const s = 4 * dpr;
  ctx.fillStyle = line.color;
  for (let i = 0; i < line.len; i++) {
    const up = values[i] === Infinity || (hi !== null && hi[i] === Infinity);
    const down = values[i] === -Infinity || (line.lo !== null && line.lo[i] === -Infinity);
    if (!up && !down) continue;
    const px = c.px(line.xs[i]!);
    ctx.beginPath();
    if (up) {
      ctx.moveTo(px - s, c.top + s * 1.6);
      ctx.lineTo(px + s, c.top + s * 1.6);
      ctx.lineTo(px, c.top);
    } else {
      ctx.moveTo(px - s, c.bottom - s * 1.6);
      ctx.lineTo(px + s, c.bottom - s * 1.6);
      ctx.lineTo(px, c.bottom);
    }
    ctx.closePath();
    ctx.fill();
  }
}

/** uPlot's valToPos(v, axis, true) for our scales (x linear or log10, y linear or log10). */
function projections(u: uPlot, log: boolean): Pick<Ctx, "px" | "py"> {
  const { left, top, width, height } = u.bbox;
  const sx = u.scales.x;
  const sy = u.scales.y;
  if (sx?.min == null || sx.max == null || sy?.min == null || sy.max == null || sx.max === sx.min || sy.max === sy.min) {
    return { px: (v) => u.valToPos(v, "x", true), py: (v) => u.valToPos(v, "y", true) };
  }
  let px: (v: number) => number;
  if (sx.distr === 3) {
    const lx0 = Math.log10(sx.min);
    const lkx = width / (Math.log10(sx.max) - lx0);
    px = (v) => left + (Math.log10(v) - lx0) * lkx;
  } else {
    const x0 = sx.min;
    const kx = width / (sx.max - x0);
    px = (v) => left + (v - x0) * kx;
  }
  const bottom = top + height;
  if (log) {
    const y0 = Math.log10(sy.min);
    const ky = height / (Math.log10(sy.max) - y0);
    return { px, py: (v) => bottom - (Math.log10(v) - y0) * ky };
  }
  const y0 = sy.min;
  const ky = height / (sy.max - y0);
  return { px, py: (v) => bottom - (v - y0) * ky };
}

/** Past this many lines the faint unsmoothed lines are left out under smoothed ones: a
 * thousand of them are a grey wash that doubles the drawing. */
const MAX_RAW_LINES = 100;

export function drawLines(u: uPlot, lines: readonly DrawLine[], log: boolean, highlight: string | null): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const dpr = uPlot.pxRatio || 1;
  const c: Ctx = { u, ctx, log, dpr, top, bottom: top + height, ...projections(u, log) };
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  for (const line of lines) drawBand(c, line);
  const dots = (line: DrawLine) => line.len <= Math.max(2, width / dpr / 12);
  for (const line of lines.length <= MAX_RAW_LINES ? lines : []) {
    if (line.raw) drawPath(c, line.xs, line.raw, line.len, withAlpha(line.color, 0.28), 1, false);
  }
  for (const line of lines) {
    if (line.id === highlight) continue;
    const dim = highlight !== null;
    drawPath(c, line.xs, line.ys, line.len, dim ? withAlpha(line.color, 0.55) : line.color, line.group ? 2 : 1.5, dots(line));
  }
  const hl = highlight === null ? undefined : lines.find((l) => l.id === highlight);
  if (hl) drawPath(c, hl.xs, hl.ys, hl.len, hl.color, 2.5, dots(hl));
  for (const line of lines) drawInfinities(c, line);
  ctx.restore();
}
