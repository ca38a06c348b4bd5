/** A page loaded as its own chunk the first time it is shown (keeps the first load small). */
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ErrorBanner } from "./ErrorBanner";

export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  return function LazyPage(props: P) {
    const [Component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    const [error, setError] = useState<unknown>(undefined);
    useEffect(() => {
      if (Component) return;
      load().then(
        (c) => {
          loaded = c;
          setComponent(() => c);
        },
        (e: unknown) => setError(e),
      );
    }, []);
    if (error !== undefined) return <main class="page"><ErrorBanner error={error} onRetry={() => location.reload()} /></main>;
    return Component ? <Component {...props} /> : <main class="page"><div class="loading-block" aria-label="loading" /></main>;
  };
}
