/** Vega-Lite rendering, loaded on demand as its own chunk (vega is large; the workspace's
 * first paint never waits for it). */
import embed from "vega-embed";

export async function renderVegaLite(el: HTMLElement, spec: Record<string, unknown>): Promise<() => void> {
  const result = await embed(el, spec as never, { actions: false, renderer: "canvas", mode: "vega-lite" });
  return () => result.finalize();
}
