/** A logged plotly figure, drawn by plotly.js (loaded the first time one is shown), with
 * the URLs it names removed first (plotlySafe.ts). */
import { useEffect, useRef, useState } from "preact/hooks";
import { mediaApi, type MediaRef } from "../api/media";
import { safeFigure, SAFE_CONFIG, type PlotlyFigure } from "./plotlySafe";

export function PlotlyView({ figure, label }: { figure: MediaRef; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let cancelled = false;
    const target = el.current;
    setReady(false);
    Promise.all([import("plotly.js-dist-min"), mediaApi.blobJson<PlotlyFigure>(figure.sha256 ?? "")])
      .then(async ([plotly, logged]) => {
        if (cancelled || !target) return;
        const fig = safeFigure(logged);  // nothing in a logged figure makes the page fetch
        await plotly.newPlot(target, fig.data, { autosize: true, height: 320, ...fig.layout },
          { displaylogo: false, responsive: true, ...SAFE_CONFIG });
        if (!cancelled) setReady(true);
      })
      .catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
      if (target) void import("plotly.js-dist-min").then((p) => p.purge(target));
    };
  }, [figure.sha256]);
  return (
    <div class="media-plotly" role="figure" aria-label={label} aria-busy={!ready}>
      {error && <div class="panel-error" role="alert">cannot draw the figure: {error}</div>}
      <div ref={el} />
    </div>
  );
}
