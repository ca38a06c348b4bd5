/** A view loaded as its own chunk the first time one is shown (the media viewers and the
 * workspace's media panels stay out of the first load). */
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function LazyView(props: P) {
    const [Component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    const [error, setError] = useState<string | null>(null);
    useEffect(() => {
      if (Component) return;
      pending ??= load();
      pending.then(
        (c) => {
          loaded = c;
          setComponent(() => c);
        },
        (e: unknown) => {
          pending = null;
          setError(e instanceof Error ? e.message : String(e));
        },
      );
    }, []);
    if (error !== null) return <div class="panel-error" role="alert">cannot load this view: {error}</div>;
    return Component ? <Component {...props} /> : <div class="loading-block" aria-label="loading" />;
  };
}
