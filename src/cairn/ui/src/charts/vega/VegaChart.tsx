/** A Vega-Lite chart; the library is imported the first time one is shown. */
import { useMounted } from "../../lib/useMounted";

type Render = (el: HTMLElement, spec: Record<string, unknown>) => Promise<() => void>;

const renderBuiltin = (): Promise<Render> => import("./embed").then((m) => m.renderVegaLite);

/** ``load`` gives the renderer (by default for the app's own specs; logged specs use a
 * stricter one). */
export function VegaChart({ spec, label, load = renderBuiltin }: { spec: Record<string, unknown>; label: string; load?: () => Promise<Render> }) {
  const sig = JSON.stringify(spec);
  const { el, error, ready } = useMounted(() => load().then((render) => (target) => render(target, spec)), [sig]);
  return (
    <div class="vega-chart" role="figure" aria-label={label} aria-busy={!ready}>
      {error && <div class="panel-error" role="alert">{error}</div>}
      <div ref={el} class="vega-target" />
    </div>
  );
}
