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
