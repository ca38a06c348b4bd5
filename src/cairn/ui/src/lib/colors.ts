/** A stable colour per run: a hash of its id picks one of a palette readable on light and
 * dark backgrounds, so a run keeps its colour across pages, reloads and filters. */

const PALETTE = [
  "#1f77b4", "#e8590c", "#2b8a3e", "#c92a2a", "#7048e8", "#8c564b", "#d6336c", "#5c7cfa",
  "#66a80f", "#0c8599", "#f08c00", "#9c36b5", "#1098ad", "#e03131", "#364fc7", "#a61e4d",
  "#2f9e44", "#b35900", "#6741d9", "#0b7285", "#862e9c", "#5f3dc4", "#d9480f", "#099268",
];

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function runColor(id: string): string {
  return PALETTE[fnv1a(id) % PALETTE.length] ?? "#1f77b4";
}

export function paletteColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length] ?? "#1f77b4";
}

/** `#rrggbb` with an alpha, as `rgba(…)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Colours for a run set: the palette in order, by each run's position in the set (the
 * set's order is stable: it does not follow the table's sort), so the first runs never
 * share a colour; a colour the user chose for a run wins. */
export function colorsByPosition(ids: readonly string[], overrides: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  ids.forEach((id, i) => out.set(id, overrides.get(id) ?? paletteColor(i)));
  return out;
}

const HEX = /^#[0-9a-f]{6}$/;

/** A user's colour for a run, as `<input type="color">` gives it; null when it is not one. */
export function validColor(text: unknown): string | null {
  return typeof text === "string" && HEX.test(text.toLowerCase()) ? text.toLowerCase() : null;
}
