/** Exporting a chart: a PNG of what is on screen, an SVG drawn from the same lines, and its
 * data as CSV, either as drawn (one row per run and bucket: the value drawn, the raw value
 * under smoothing, the bucket's min and max) or at full resolution (every logged point of
 * each run, read from the history API). Pure functions apart from `download` and the
 * history reads, so they can be tested and reused by any panel. */
import { api } from "../api/client";
import { wireNumber } from "../api/values";
import { formatTick, xLabel } from "./axes";
import { extentsOf } from "./extents";
import type { DrawLine, LineSpec } from "./lines";

/** A cell of a CSV file (RFC 4180): quoted when it holds a comma, quote or line break.
 * Text that a spreadsheet would run as a formula (= + - @ first) is prefixed with '. */
export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  let text = v;
  if (/^[=+\-@\t\r]/.test(text) && !/^[-+]?(\d|\.\d|Infinity)/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvOf(header: readonly string[], rows: Iterable<readonly (string | number | boolean | null | undefined)[]>): string {
  const out = [header.map(csvCell).join(",")];
  for (const r of rows) out.push(r.map(csvCell).join(","));
  return `${out.join("\r\n")}\r\n`;
}

/** A file name from a chart's title: letters, digits, - _ . kept. */
export function fileName(title: string, ext: string): string {
  const base = title.replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "") || "chart";
  return `${base}.${ext}`;
}

/** The chart's data as drawn: one row per line and point. */
export function drawnCsv(lines: readonly DrawLine[], metric: string, x: string): string {
  const smoothed = lines.some((l) => l.raw);
  const banded = lines.some((l) => l.lo && l.hi);
  const header = ["run", "run_id", x, metric];
  if (smoothed) header.push(`${metric} (unsmoothed)`);
  if (banded) header.push(`${metric} (min)`, `${metric} (max)`);
  function* rows() {
    for (const l of lines) {
      for (let i = 0; i < l.len; i++) {
        const row: (string | number)[] = [l.label, l.id, l.xs[i]!, l.ys[i]!];
        if (smoothed) row.push(l.raw ? l.raw[i]! : l.ys[i]!);
        if (banded) row.push(l.lo ? l.lo[i]! : l.ys[i]!, l.hi ? l.hi[i]! : l.ys[i]!);
        yield row;
      }
    }
  }
  return csvOf(header, rows());
}

/** Rows one history request returns at most (the API's limit). */
const HISTORY_PAGE = 10_000;
/** Points a full-resolution export reads at most, over all runs. */
export const MAX_FULL_POINTS = 2_000_000;

export interface FullResolution {
  entity: string;
  project: string;
  metric: string;
  x: string;
  /** The runs charted (group lines export their member runs). */
  specs: readonly LineSpec[];
  /** The x range shown, when zoomed. */
  zoom: readonly [number, number] | null;
  signal?: AbortSignal;
}

/** Every logged point of each charted run in the range shown, from the history API; stops
 * (and says so in the last row) past `MAX_FULL_POINTS`. */
export async function fullResolutionCsv(req: FullResolution): Promise<string> {
  const { metric, x, zoom } = req;
  const keys = x === "_step" ? [metric] : [metric, x];
  const rows: (string | number)[][] = [];
  const runs = [...new Map(req.specs.flatMap((s) => s.runs.map((id) => [id, s.group ? `${s.label} / ${id}` : s.label] as const)))];
  let cut = false;
  for (const [id, label] of runs) {
    let from = x === "_step" && zoom ? Math.max(0, Math.floor(zoom[0])) : 0;
    for (;;) {
      if (req.signal?.aborted) throw new DOMException("export cancelled", "AbortError");
      const page = await api.history(req.entity, req.project, id, keys, from, HISTORY_PAGE);
      for (const r of page.rows) {
        if (!(metric in r)) continue;
        const xv = x === "_step" ? Number(r._step) : wireNumber(r[x]);
        if (zoom && (xv < zoom[0] || xv > zoom[1])) continue;
        rows.push([label, id, xv, wireNumber(r[metric])]);
      }
      if (page.next_step === null || rows.length >= MAX_FULL_POINTS) break;
      if (x === "_step" && zoom && page.next_step > zoom[1]) break;
      from = page.next_step;
    }
    if (rows.length >= MAX_FULL_POINTS) {
      cut = true;
      break;
    }
  }
  if (cut) rows.push([`(stopped at ${MAX_FULL_POINTS.toLocaleString()} points: zoom in or chart fewer runs)`, "", "", ""]);
  return csvOf(["run", "run_id", x, metric], rows);
}

// ---- images ------------------------------------------------------------------------------

export interface ChartColors {
  background: string;
  text: string;
  muted: string;
  grid: string;
}

/** The colours of the page's theme, read from the CSS variables. */
export function themeColors(el: Element): ChartColors {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    background: v("--surface", "#ffffff"),
    text: v("--text", "#1f2328"),
    muted: v("--text-muted", "#656d76"),
    grid: v("--chart-grid", "#e5e7eb"),
  };
}

/** Round tick values covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : +v.toPrecision(12));
  return out;
}

const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const MAX_SVG_LEGEND = 20;

export interface SvgChart {
  title: string;
  lines: readonly DrawLine[];
  x: string;
  log: boolean;
  zoom: readonly [number, number] | null;
  width: number;
  height: number;
  colors: ChartColors;
}

/** The chart as a standalone SVG document: axes with ticks, each line (its band under
 * it), a title and a legend. */
export function chartSvg(c: SvgChart): string {
  const { lines, colors } = c;
  const legendRows = Math.ceil(Math.min(lines.length, MAX_SVG_LEGEND + 1) / 3);
  const pad = { left: 64, right: 16, top: 30, bottom: 36 + legendRows * 16 };
  const w = c.width;
  const h = c.height + legendRows * 16;
  const pw = w - pad.left - pad.right;
  const ph = h - pad.top - pad.bottom;
  const ext = extentsOf(lines, c.zoom, c.log, c.x === "_step" || c.x === "_runtime" || c.x === "_timestamp");
  const [x0, x1] = ext?.x ?? [0, 1];
  let [y0, y1] = ext?.y ?? [0, 1];
  const fy = (v: number) => (c.log ? Math.log10(v) : v);
  if (c.log) {
    y0 = Math.log10(y0);
    y1 = Math.log10(y1);
  }
  if (y0 === y1) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const px = (v: number) => pad.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const py = (v: number) => pad.top + ph - ((fy(v) - y0) / (y1 - y0)) * ph;
  const ok = (xv: number, yv: number) => Number.isFinite(xv) && Number.isFinite(yv) && (!c.log || yv > 0) && xv >= x0 && xv <= x1;
  const parts: string[] = [];
  parts.push(`<rect width="${w}" height="${h}" fill="${esc(colors.background)}"/>`);
  parts.push(`<text x="${pad.left}" y="18" font-size="13" font-weight="600" fill="${esc(colors.text)}">${esc(c.title)}</text>`);
  // Axes and grid.
  const yTicks = c.log
    ? niceTicks(Math.floor(y0), Math.ceil(y1), Math.min(8, Math.ceil(y1) - Math.floor(y0))).filter((t) => Number.isInteger(t) && t >= y0 && t <= y1)
    : niceTicks(y0, y1);
  for (const t of yTicks) {
    const yy = pad.top + ph - ((t - y0) / (y1 - y0)) * ph;
    parts.push(`<line x1="${pad.left}" x2="${pad.left + pw}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="${esc(colors.grid)}"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${(yy + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="${esc(colors.muted)}">${esc(formatTick(c.log ? 10 ** t : t))}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    const xx = px(t);
    parts.push(`<line x1="${xx.toFixed(1)}" x2="${xx.toFixed(1)}" y1="${pad.top}" y2="${pad.top + ph}" stroke="${esc(colors.grid)}"/>`);
    parts.push(`<text x="${xx.toFixed(1)}" y="${pad.top + ph + 16}" font-size="11" text-anchor="middle" fill="${esc(colors.muted)}">${esc(formatTick(t))}</text>`);
  }
  parts.push(`<text x="${pad.left + pw / 2}" y="${pad.top + ph + 31}" font-size="11" text-anchor="middle" fill="${esc(colors.muted)}">${esc(xLabel(c.x))}</text>`);
  parts.push(`<rect x="${pad.left}" y="${pad.top}" width="${pw}" height="${ph}" fill="none" stroke="${esc(colors.grid)}"/>`);
  parts.push(`<clipPath id="plot"><rect x="${pad.left}" y="${pad.top}" width="${pw}" height="${ph}"/></clipPath><g clip-path="url(#plot)">`);
  for (const l of lines) {
    if (l.lo && l.hi) {
      const top: string[] = [];
      const bottom: string[] = [];
      for (let i = 0; i < l.len; i++) {
        const xv = l.xs[i]!;
        if (!ok(xv, l.lo[i]!) || !ok(xv, l.hi[i]!)) continue;
        top.push(`${px(xv).toFixed(1)},${py(l.hi[i]!).toFixed(1)}`);
        bottom.push(`${px(xv).toFixed(1)},${py(l.lo[i]!).toFixed(1)}`);
      }
      if (top.length > 1) {
        parts.push(`<polygon points="${[...top, ...bottom.reverse()].join(" ")}" fill="${esc(l.color)}" fill-opacity="0.15" stroke="none"/>`);
      }
    }
    // A line breaks where a value is missing (NaN) or cannot be drawn (≤ 0 on a log axis).
    let seg: string[] = [];
    const flush = () => {
      if (seg.length > 1) parts.push(`<polyline points="${seg.join(" ")}" fill="none" stroke="${esc(l.color)}" stroke-width="${l.group ? 2 : 1.5}" stroke-linejoin="round"/>`);
      else if (seg.length === 1) {
        const [cx, cy] = seg[0]!.split(",");
        parts.push(`<circle cx="${cx}" cy="${cy}" r="2" fill="${esc(l.color)}"/>`);
      }
      seg = [];
    };
    for (let i = 0; i < l.len; i++) {
      const xv = l.xs[i]!;
      const yv = l.ys[i]!;
      if (ok(xv, yv)) seg.push(`${px(xv).toFixed(1)},${py(yv).toFixed(1)}`);
      else flush();
    }
    flush();
  }
  parts.push("</g>");
  // Legend: three to a row under the x axis label.
  const colW = pw / 3;
  lines.slice(0, MAX_SVG_LEGEND).forEach((l, i) => {
    const lx = pad.left + (i % 3) * colW;
    const ly = pad.top + ph + 46 + Math.floor(i / 3) * 16;
    parts.push(`<rect x="${lx}" y="${ly - 7}" width="10" height="3" fill="${esc(l.color)}"/>`);
    parts.push(`<text x="${lx + 14}" y="${ly}" font-size="11" fill="${esc(colors.text)}">${esc(l.label.length > 40 ? `${l.label.slice(0, 39)}…` : l.label)}</text>`);
  });
  if (lines.length > MAX_SVG_LEGEND) {
    const ly = pad.top + ph + 46 + Math.floor(MAX_SVG_LEGEND / 3) * 16;
    parts.push(`<text x="${pad.left + (MAX_SVG_LEGEND % 3) * colW}" y="${ly}" font-size="11" fill="${esc(colors.muted)}">+${lines.length - MAX_SVG_LEGEND} more</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="system-ui, sans-serif">${parts.join("")}</svg>\n`;
}

/** The chart's canvas as a PNG, with its title above and its legend below, on the theme's
 * background (the canvas itself is transparent). */
export async function chartPng(canvas: HTMLCanvasElement, title: string, lines: readonly DrawLine[], colors: ChartColors): Promise<Blob> {
  const ratio = canvas.width / (canvas.clientWidth || canvas.width);
  const legend = lines.slice(0, MAX_SVG_LEGEND);
  const perRow = 3;
  const legendH = Math.ceil((legend.length + (lines.length > legend.length ? 1 : 0)) / perRow) * 16 + 6;
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height + Math.round((28 + legendH) * ratio);
  const ctx = out.getContext("2d")!;
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.scale(ratio, ratio);
  ctx.fillStyle = colors.text;
  ctx.font = "600 13px system-ui, sans-serif";
  ctx.fillText(title, 10, 18);
  ctx.drawImage(canvas, 0, 28, canvas.width / ratio, canvas.height / ratio);
  ctx.font = "11px system-ui, sans-serif";
  const top = 28 + canvas.height / ratio + 14;
  const colW = canvas.width / ratio / perRow;
  legend.forEach((l, i) => {
    const x = 10 + (i % perRow) * colW;
    const y = top + Math.floor(i / perRow) * 16;
    ctx.fillStyle = l.color;
    ctx.fillRect(x, y - 6, 10, 3);
    ctx.fillStyle = colors.text;
    ctx.fillText(l.label.length > 40 ? `${l.label.slice(0, 39)}…` : l.label, x + 14, y);
  });
  if (lines.length > legend.length) {
    ctx.fillStyle = colors.muted;
    ctx.fillText(`+${lines.length - legend.length} more`, 10 + (legend.length % perRow) * colW, top + Math.floor(legend.length / perRow) * 16);
  }
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not encode the PNG"))), "image/png"));
}

/** Save a file through the browser's download. */
export function download(name: string, data: Blob | string, type = "text/plain"): void {
  const blob = typeof data === "string" ? new Blob([data], { type }) : data;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- charts drawn as SVG elements or by Vega -----------------------------------------------

const STYLE_PROPS = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "opacity", "font-size", "font-weight", "font-family", "text-anchor", "dominant-baseline", "visibility"];

/** An SVG element of the page as a standalone document: its CSS (classes, theme
 * variables) written onto each element, and the theme's background behind it. */
export function svgElementText(svg: SVGSVGElement, colors: ChartColors): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll("*")];
  const to = [clone, ...clone.querySelectorAll("*")];
  from.forEach((el, i) => {
    const target = to[i] as SVGElement | undefined;
    if (!target) return;
    const css = getComputedStyle(el);
    const style = STYLE_PROPS.map((p) => `${p}:${css.getPropertyValue(p)}`).join(";");
    target.setAttribute("style", style);
    target.removeAttribute("class");
  });
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  clone.setAttribute("width", String(Math.round(width)));
  clone.setAttribute("height", String(Math.round(height)));
  if (!clone.getAttribute("viewBox")) clone.setAttribute("viewBox", `0 0 ${Math.round(width)} ${Math.round(height)}`);
  const bg = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  bg.setAttribute("width", "100%");
  bg.setAttribute("height", "100%");
  bg.setAttribute("fill", colors.background);
  clone.insertBefore(bg, clone.firstChild);
  return `${new XMLSerializer().serializeToString(clone)}\n`;
}

/** A PNG of an SVG document, at the screen's pixel ratio. */
export async function svgPng(svgText: string, width: number, height: number): Promise<Blob> {
  const ratio = window.devicePixelRatio || 1;
  const url = URL.createObjectURL(new Blob([svgText], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error("the browser could not draw the SVG"));
      img.src = url;
    });
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext("2d")!;
    ctx.scale(ratio, ratio);
    ctx.drawImage(img, 0, 0, width, height);
    return await new Promise((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not encode the PNG"))), "image/png"),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
