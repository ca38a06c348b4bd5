/** The chart's hover legend: every visible line's value at the cursor, largest first,
 * built with DOM text nodes (run names are user data: never parsed as HTML). */
import { formatNumber } from "../lib/format";
import type { DrawLine } from "./lines";
import { nearestIndex } from "./lines";

const MAX_ROWS = 24;

export interface Hover {
  /** The line nearest to the cursor, highlighted. */
  nearest: string | null;
}

export function renderTooltip(
  el: HTMLElement,
  lines: readonly DrawLine[],
  x: number,
  cursorTop: number,
  yToPos: (v: number) => number,
  xTitle: string,
  /** How far (in x units) past its first or last point a line still shows a value. */
  reach: number,
): Hover {
  const rows: { line: DrawLine; value: number; dist: number }[] = [];
  let nearest: string | null = null;
  let best = Infinity;
  for (const line of lines) {
    const i = nearestIndex(line.xs, line.len, x);
    if (i < 0 || x < line.xs[0]! - reach || x > line.xs[line.len - 1]! + reach) continue;
    const value = line.ys[i]!;
    const pos = Number.isFinite(value) ? yToPos(value) : NaN;
    const dist = Number.isFinite(pos) ? Math.abs(pos - cursorTop) : Infinity;
    if (dist < best) {
      best = dist;
      nearest = line.id;
    }
    rows.push({ line, value, dist });
  }
  let shown = rows;
  if (rows.length > MAX_ROWS) shown = [...rows].sort((a, b) => a.dist - b.dist).slice(0, MAX_ROWS);
  shown.sort((a, b) => (Number.isNaN(a.value) ? 1 : Number.isNaN(b.value) ? -1 : b.value - a.value));

  el.replaceChildren();
  const head = document.createElement("div");
  head.className = "tt-head";
  head.textContent = xTitle;
  el.append(head);
  for (const { line, value } of shown) {
    const row = document.createElement("div");
    row.className = line.id === nearest ? "tt-row tt-near" : "tt-row";
    const sw = document.createElement("span");
    sw.className = "tt-swatch";
    sw.style.background = line.color;
    const name = document.createElement("span");
    name.className = "tt-name";
    name.textContent = line.label;
    const val = document.createElement("span");
    val.className = "tt-value";
    val.textContent = formatNumber(value);
    row.append(sw, name, val);
    el.append(row);
  }
  if (rows.length > shown.length) {
    const more = document.createElement("div");
    more.className = "tt-more";
    more.textContent = `+${rows.length - shown.length} more (the ${MAX_ROWS} nearest the cursor are listed)`;
    el.append(more);
  }
  return { nearest };
}
