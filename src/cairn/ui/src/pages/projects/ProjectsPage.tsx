/** Every project in the cairn folder, most recently active first. */
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api/client";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { formatAgo, formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { paths } from "../../router";

export function ProjectsPage() {
  const projects = useAsync((s) => api.projects(s), []);
  const [search, setSearch] = useState("");
  useEffect(() => {
    document.title = "Projects · cairn";
  }, []);
  const needle = search.toLowerCase();
  const list = (projects.data ?? []).filter((p) => `${p.entity}/${p.name}`.toLowerCase().includes(needle));
  return (
    <main class="page page-narrow" id="main">
      <div class="page-head">
        <h1>Projects</h1>
        <input
          class="input"
          type="search"
          placeholder="Filter projects"
          aria-label="Filter projects"
          data-shortcut="search"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
      </div>
      {projects.error !== undefined && <ErrorBanner error={projects.error} onRetry={projects.reload} />}
      {projects.data && projects.data.length === 0 && (
        <div class="empty-state">
          <h2>No projects yet</h2>
          <p>
            Log a run with <code>cairn.init(project="my-project")</code> and it appears here.
          </p>
        </div>
      )}
      {list.length > 0 && (
        <table class="table projects-table">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Entity</th>
              <th scope="col" class="num">Runs</th>
              <th scope="col">Last activity</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr key={`${p.entity}/${p.name}`}>
                <td>
                  <Link href={paths.workspace(p.entity, p.name)} class="strong">
                    {p.name}
                  </Link>
                </td>
                <td class="muted">{p.entity}</td>
                <td class="num">{p.run_count.toLocaleString()}</td>
                <td title={formatTime(p.last_activity)}>{formatAgo(p.last_activity)}</td>
                <td class="muted">{formatTime(p.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {projects.loading && !projects.data && <div class="loading-block" aria-label="loading" />}
    </main>
  );
}
