/** Something drawn into an element by code loaded on demand (a Vega chart, a 3D viewer):
 * load it, mount it if the component is still there, and unmount it when the dependencies
 * change or the component goes. */
import { useEffect, useRef, useState } from "preact/hooks";

export type Mount = (el: HTMLElement) => Promise<() => void>;

export function useMounted(load: () => Promise<Mount>, deps: unknown[]) {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let dispose: (() => void) | null = null;
    let cancelled = false;
    setError(null);
    setReady(false);
    load()
      .then((mount) => (el.current && !cancelled ? mount(el.current) : null))
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
  }, deps);
  return { el, error, ready };
}
