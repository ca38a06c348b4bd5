/** Vega-Lite for logged specs (custom charts), loaded on demand: a spec is user data, so
 * its expressions run in Vega's interpreter (no code generation: nothing it says becomes
 * JavaScript), it cannot load or link to anything (every URL is refused; the rows come
 * inline), and it cannot choose how it is embedded (see withoutEmbedOptions). */
import embed, { type EmbedOptions } from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";
import { loader } from "vega";
import { withBundledSchema, withoutEmbedOptions } from "./loggedSpec";

function noNetwork() {
  const base = loader();
  base.sanitize = (uri: string) => Promise.reject(new Error(`a logged chart may not load ${uri}`));
  return base;
}

/** The options of every logged chart, whatever the spec says. */
export function loggedSpecOptions(): EmbedOptions {
  return {
    actions: false,
    renderer: "canvas",
    mode: "vega-lite",
    ast: true,
    expr: expressionInterpreter,
    loader: noNetwork(),
    defaultStyle: false,  // its stylesheet is for the actions menu, which is off
  };
}

export async function renderLoggedSpec(el: HTMLElement, spec: Record<string, unknown>): Promise<() => void> {
  const result = await embed(el, withBundledSchema(withoutEmbedOptions(spec)) as never, loggedSpecOptions());
  return () => result.finalize();
}
