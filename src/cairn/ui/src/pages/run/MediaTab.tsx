/** The run's "Media" tab: a panel per history key that holds media, by type. While the run
 * is running the keys are looked at again every few seconds (a panel reloads when its key
 * gains media). */
import { useEffect } from "preact/hooks";
import { mediaApi } from "../../api/media";
import type { RunDetail } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { runColor } from "../../lib/colors";
import { useAsync } from "../../lib/useAsync";
import { MediaKeyPanel } from "../../media/MediaPanels";

const REFRESH_MS = 3000;

export function MediaTab({ run }: { run: RunDetail }) {
  const keys = useAsync((s) => mediaApi.keys(run.entity, run.project, run.id, s), [run.id, run.last_step]);
  const running = run.state === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(keys.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [running, keys.reload]);
  if (keys.error) return <ErrorBanner error={keys.error} onRetry={keys.reload} />;
  if (!keys.data) return <div class="loading-block" aria-label="loading" />;
  if (!keys.data.length) {
    return (
      <div class="empty-state">
        <h2>No media logged</h2>
        <p class="muted">Log images, tables, histograms and more: run.log({"{"}"examples": cairn.Image(array){"}"}).</p>
      </div>
    );
  }
  const runs = [{ id: run.id, label: run.name || run.id, color: runColor(run.id) }];
  return (
    <div class="media-tab">
      {keys.data.map((info) => <MediaKeyPanel key={info.key} entity={run.entity} project={run.project} runs={runs} info={info} />)}
    </div>
  );
}
