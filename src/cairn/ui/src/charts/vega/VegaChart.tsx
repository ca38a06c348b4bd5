/** A Vega-Lite chart; the library is imported the first time one is shown. */
import { useEffect, useRef, useState } from "preact/hooks";

type Render = (el: HTMLElement, spec: Record<string, unknown>) => Promise<() => void>;

const renderBuiltin = (): Promise<Render> => import("./embed").then((m) => m.renderVegaLite);

/** ``load`` gives the renderer (by default for the app's own specs; logged specs use a
 * stricter one). */
export function VegaChart({ spec, label, load = renderBuiltin }: { spec: Record<string, unknown>; label: string; load?: () => Promise<Render> }) {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const sig = JSON.stringify(spec);
  useEffect(() => {
    let dispose: (() => void) | null = null;
    let cancelled = false;
    setError(null);
    load()
      .then((render) => (el.current && !cancelled ? render(el.current, spec) : null))
      .then((d) => {
        if (cancelled) d?.();
        else {
          dispose = d;
          setReady(true);
        }
      })
      .catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
      dispose?.();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sig]);
  return (
    <div class="vega-chart" role="figure" aria-label={label} aria-busy={!ready}>
      {error && <div class="panel-error" role="alert">{error}</div>}
      <div ref={el} class="vega-target" />
    </div>
  );
}
