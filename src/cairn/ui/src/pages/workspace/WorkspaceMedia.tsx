/** Media of several runs side by side (the workspace's charted runs, the compare page's
 * selection): a panel per media key, the first runs in columns. Closed by default (each
 * open panel fetches every run's references). */
import { mediaApi } from "../../api/media";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Icon } from "../../components/Icon";
import { useAsync } from "../../lib/useAsync";
import { MediaKeyPanel, mergeKeys, type MediaRun } from "../../media/MediaPanels";
import { setQuery } from "../../router";

export const MAX_MEDIA_RUNS = 6;

interface Props {
  entity: string;
  project: string;
  runs: MediaRun[];
  open: boolean;
}

export function WorkspaceMedia({ entity, project, runs, open }: Props) {
  return (
    <section class="section" aria-labelledby="media-h">
      <h2 class="section-head" id="media-h">
        <button type="button" class="btn-plain section-toggle" aria-expanded={open} onClick={() => setQuery({ media: open ? null : "1" })}>
          <span class={open ? "chev chev-open" : "chev"}><Icon name="chevron" size={12} /></span>
          Media
        </button>
      </h2>
      {open && <MediaBody entity={entity} project={project} runs={runs.slice(0, MAX_MEDIA_RUNS)} />}
    </section>
  );
}

function MediaBody({ entity, project, runs }: { entity: string; project: string; runs: MediaRun[] }) {
  const ids = runs.map((r) => r.id).join(",");
  const keys = useAsync((s) => Promise.all(runs.map((r) => mediaApi.keys(entity, project, r.id, s))).then(mergeKeys), [entity, project, ids]);
  if (keys.error) return <ErrorBanner error={keys.error} onRetry={keys.reload} />;
  if (!keys.data) return <div class="loading-block" aria-label="loading" />;
  if (!keys.data.length) return <p class="muted pad">These runs logged no media.</p>;
  return (
    <div class="media-tab">
      {keys.data.map((info) => <MediaKeyPanel key={info.key} entity={entity} project={project} runs={runs} info={info} />)}
    </div>
  );
}
