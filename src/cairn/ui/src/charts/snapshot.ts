/** What each line panel on the page draws, by its element, so that a page can turn its
 * charts into SVG (a report's static HTML export) without reaching into the panels. */
import type { DrawLine } from "./lines";

export interface ChartSnapshot {
  title: string;
  lines: readonly DrawLine[];
  x: string;
  log: boolean;
  zoom: readonly [number, number] | null;
  height: number;
}

const drawn = new WeakMap<Element, ChartSnapshot>();

export function keepSnapshot(el: Element | null, snapshot: ChartSnapshot): void {
  if (el) drawn.set(el, snapshot);
}

export function snapshotOf(el: Element): ChartSnapshot | undefined {
  return drawn.get(el);
}
