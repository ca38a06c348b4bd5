/** One run: overview, charts, and tabs later features fill (media, files, artifacts, logs,
 * system metrics). */
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api/client";
import type { RunEvent, RunPatch } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { StateBadge } from "../../components/StateBadge";
import { Tabs } from "../../components/Tabs";
import { runColor } from "../../lib/colors";
import { useAsync } from "../../lib/useAsync";
import { paths, setQuery, useQuery } from "../../router";
import { EditableName } from "./EditableName";
import { ArtifactsTab } from "./artifacts/ArtifactsTab";
import { FilesTab } from "./files/FilesTab";
import { MediaTab } from "./MediaTab";
import { RunCharts } from "./RunCharts";
import { LogsTab } from "./LogsTab";
import { RunOverview } from "./RunOverview";
import { SystemTab } from "./SystemTab";
import { useLiveEvents } from "../../api/events";
import { withEvent } from "../workspace/runRows";

/** Run events only (no points): keeps the overview's state and summary current. */
function LiveRun({ entity, project, onRun }: { entity: string; project: string; onRun: (ev: RunEvent) => void }) {
  useLiveEvents(entity, project, null, [], [], { onRun });
  return null;
}

const TABS = [
  { id: "overview", label: "Overview" },
  { id: "charts", label: "Charts" },
  { id: "media", label: "Media" },
  { id: "files", label: "Files" },
  { id: "artifacts", label: "Artifacts" },
  { id: "logs", label: "Logs" },
  { id: "system", label: "System" },
] as const;

interface Props {
  entity: string;
  project: string;
  id: string;
  theme: string;
}

export function RunPage({ entity, project, id, theme }: Props) {
  const run = useAsync((s) => api.run(entity, project, id, s), [entity, project, id]);
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const tab = useQuery().get("tab") ?? "overview";
  const r = run.data;
  useEffect(() => {
    document.title = `${r?.name || id} · ${project} · cairn`;
  }, [r?.name, id, project]);

  const onPatch = async (patch: RunPatch) => {
    try {
      const updated = await api.patchRun(entity, project, id, patch);
      setSaveError(undefined);
      run.setData((old) => (old ? { ...old, ...updated, metrics: old.metrics } : old));
    } catch (e) {
      setSaveError(e);
      throw e;
    }
  };
  const onRun = (ev: RunEvent) => {
    if (ev.id !== id) return;
    run.setData((old) => (old ? withEvent(old, ev) : old));
  };

  return (
    <main class="page" id="main">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.projects()}>Projects</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.workspace(entity, project)}>{project}</Link>
        <span aria-hidden="true">/</span>
        <span>{r?.name || id}</span>
      </nav>
      {run.error !== undefined && <ErrorBanner error={run.error} onRetry={run.reload} />}
      {saveError !== undefined && <ErrorBanner error={saveError} />}
      {r && (
        <>
          <header class="run-head">
            <span class="swatch swatch-lg" style={{ background: runColor(r.id) }} aria-hidden="true" />
            <EditableName name={r.name || r.id} onSave={(name) => onPatch({ name })} />
            <StateBadge state={r.state} />
          </header>
          <Tabs tabs={TABS} active={tab} label="Run sections" onSelect={(t) => setQuery({ tab: t === "overview" ? null : t })}>
            {tab === "overview" && <RunOverview run={r} onPatch={onPatch} />}
            {tab === "overview" && r.state === "running" && <LiveRun entity={entity} project={project} onRun={onRun} />}
            {tab === "charts" && <RunCharts run={r} theme={theme} onRun={onRun} />}
            {tab === "media" && <MediaTab run={r} />}
            {tab === "files" && <FilesTab entity={entity} project={project} id={id} />}
            {tab === "artifacts" && <ArtifactsTab entity={entity} project={project} id={id} />}
            {tab === "system" && <SystemTab run={r} theme={theme} />}
            {tab === "logs" && <LogsTab run={r} />}
            {!["overview", "charts", "media", "files", "artifacts", "system", "logs"].includes(tab) && (
              <div class="empty-state">
                <h2>Nothing logged yet</h2>
                <p class="muted">This run has no {TABS.find((t) => t.id === tab)?.label.toLowerCase() ?? tab}.</p>
              </div>
            )}
          </Tabs>
        </>
      )}
      {run.loading && !r && <div class="loading-block" aria-label="loading" />}
    </main>
  );
}
