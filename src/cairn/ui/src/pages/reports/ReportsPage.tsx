/** A project's reports, the last changed first, and a button to make one. */
import { useEffect, useState } from "preact/hooks";
import { reportsApi } from "../../api/reports";
import { newId } from "../../charts/layout";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { useAsync } from "../../lib/useAsync";
import { navigate, paths } from "../../router";
import "./reports.css";

export function ReportsPage({ entity, project }: { entity: string; project: string }) {
  const list = useAsync((s) => reportsApi.list(entity, project, s), [entity, project]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = `Reports · ${project} · cairn`;
  }, [project]);
  const create = async () => {
    setBusy(true);
    try {
      const made = await reportsApi.create(entity, project, "Untitled report", {
        blocks: [{ id: newId("text"), type: "markdown", text: `# ${project}\n\nWhat this report shows.` }],
      });
      navigate(`${paths.report(entity, project, made.id)}?edit=1`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  const reports = list.data?.reports;
  return (
    <main class="page" id="main">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.projects()}>Projects</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.workspace(entity, project)}>{project}</Link>
        <span aria-hidden="true">/</span>
        <span>Reports</span>
      </nav>
      <div class="page-head">
        <h1>Reports</h1>
        {list.data?.editable && (
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void create()}>New report</button>
        )}
      </div>
      {list.error !== undefined && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {error !== undefined && <ErrorBanner error={error} />}
      {list.loading && !reports && <div class="loading-block" aria-label="loading" />}
      {reports && reports.length === 0 && (
        <div class="empty-state">
          <h2>No reports yet</h2>
          <p class="muted">A report puts text (Markdown, with LaTeX) beside live panels, each over runs of its own choosing.</p>
        </div>
      )}
      {reports && reports.length > 0 && (
        <table class="table reports-table">
          <thead>
            <tr><th>Title</th><th>Author</th><th>Updated</th><th>Version</th></tr>
          </thead>
          <tbody>
            {reports.map((r) => (
              <tr key={r.id}>
                <td><Link href={paths.report(entity, project, r.id)}>{r.title}</Link></td>
                <td>{r.author ?? <span class="muted">—</span>}</td>
                <td>{new Date(r.updated_at * 1000).toLocaleString()}</td>
                <td>{r.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
