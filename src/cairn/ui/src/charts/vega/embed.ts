/** Vega-Lite rendering, loaded on demand as its own chunk (vega is large; the workspace's
 * first paint never waits for it). The app's own specs run in Vega's expression
 * interpreter too: the page's Content-Security-Policy allows no `eval`. */
import embed from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";

export async function renderVegaLite(el: HTMLElement, spec: Record<string, unknown>): Promise<() => void> {
  const result = await embed(el, spec as never, {
    actions: false,
    renderer: "canvas",
    mode: "vega-lite",
    ast: true,
    expr: expressionInterpreter,
    defaultStyle: false,
  });
  return () => result.finalize();
}
