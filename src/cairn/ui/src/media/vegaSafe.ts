/** Vega-Lite for logged specs (custom charts), loaded on demand: a spec is user data, so
 * its expressions run in Vega's interpreter (no code generation: nothing it says becomes
 * JavaScript) and it cannot load anything (every URL is refused; the rows come inline). */
import embed from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";
import { loader } from "vega";

function noNetwork() {
  const base = loader();
  base.sanitize = (uri: string) => Promise.reject(new Error(`a logged chart may not load ${uri}`));
  return base;
}

export async function renderLoggedSpec(el: HTMLElement, spec: Record<string, unknown>): Promise<() => void> {
  const result = await embed(el, spec as never, {
    actions: false,
    renderer: "canvas",
    mode: "vega-lite",
    ast: true,
    expr: expressionInterpreter,
    loader: noNetwork(),
  });
  return () => result.finalize();
}
