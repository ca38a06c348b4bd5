/** The part of plotly.js-dist-min (which ships no types) that PlotlyView uses. */
declare module "plotly.js-dist-min" {
  export function newPlot(el: HTMLElement, data: unknown[], layout?: unknown, config?: unknown): Promise<unknown>;
  export function purge(el: HTMLElement): void;
}
