/** The run page's Artifacts tab: the versions this run used (inputs) and logged (outputs),
 * each linking to its page in the artifacts browser. */
import { type ArtifactVersion, artifactsApi } from "../../../api/artifacts";
import { ErrorBanner } from "../../../components/ErrorBanner";
import { Link } from "../../../components/Link";
import { formatTime } from "../../../lib/format";
import { useAsync } from "../../../lib/useAsync";
import { paths } from "../../../router";
import "../../artifacts/artifacts.css";
import { formatBytes } from "../files/fileTree";

interface Props {
  entity: string;
  project: string;
  id: string;
}

export function ArtifactsTab({ entity, project, id }: Props) {
  const found = useAsync((s) => artifactsApi.runArtifacts(entity, project, id, s), [entity, project, id]);
  if (found.error !== undefined) return <ErrorBanner error={found.error} onRetry={found.reload} />;
  if (!found.data) return <div class="loading-block" aria-label="loading" />;
  const { used, logged } = found.data;
  if (used.length === 0 && logged.length === 0)
    return (
      <div class="empty-state">
        <h2>No artifacts yet</h2>
        <p class="muted">
          Artifacts this run logs (<code>run.log_artifact</code>) or uses (<code>run.use_artifact</code>) appear here.
        </p>
      </div>
    );
  return (
    <div class="run-artifacts">
      <VersionTable title="Used" rows={used} />
      <VersionTable title="Logged" rows={logged} />
    </div>
  );
}

function VersionTable({ title, rows }: { title: string; rows: ArtifactVersion[] }) {
  return (
    <section aria-label={`${title} artifacts`}>
      <h2 class="section-title">
        {title} <span class="muted">({rows.length})</span>
      </h2>
      {rows.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <table class="files-table">
          <thead>
            <tr>
              <th>Artifact</th>
              <th>Type</th>
              <th>Aliases</th>
              <th class="num">Size</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((v) => (
              <tr key={`${v.project}/${v.name}:${v.version}`}>
                <td>
                  <Link href={paths.artifacts(v.entity, v.project, v.name, v.version)}>
                    {v.name}:{v.version}
                  </Link>
                </td>
                <td>{v.type}</td>
                <td>
                  {v.aliases.map((a) => (
                    <span key={a} class="alias">{a}</span>
                  ))}
                </td>
                <td class="num">{formatBytes(v.size)}</td>
                <td>{formatTime(v.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
