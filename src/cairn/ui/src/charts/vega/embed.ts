/** Vega-Lite rendering, loaded on demand as its own chunk (vega is large; the workspace's
 * first paint never waits for it). The app's own specs run in Vega's expression
 * interpreter too: the page's Content-Security-Policy allows no `eval`. */
import embed from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";

/** The view drawn in each element, for export. */
const views = new WeakMap<HTMLElement, { toSVG: () => Promise<string>; toCanvas: (scale?: number) => Promise<HTMLCanvasElement> }>();

/** The chart drawn in `el` as an SVG document, or as a PNG canvas; null if none is. */
export async function vegaSvg(el: HTMLElement): Promise<string | null> {
  const view = views.get(el);
  return view ? view.toSVG() : null;
}

export async function vegaCanvas(el: HTMLElement): Promise<HTMLCanvasElement | null> {
  const view = views.get(el);
  return view ? view.toCanvas(window.devicePixelRatio || 1) : null;
}

export async function renderVegaLite(el: HTMLElement, spec: Record<string, unknown>): Promise<() => void> {
  const result = await embed(el, spec as never, {
    actions: false,
    renderer: "canvas",
    mode: "vega-lite",
    ast: true,
    expr: expressionInterpreter,
    defaultStyle: false,
  });
  views.set(el, result.view);
  return () => {
    views.delete(el);
    result.finalize();
  };
}
