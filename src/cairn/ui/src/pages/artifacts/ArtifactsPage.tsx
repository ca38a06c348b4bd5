/** The artifacts browser of a project: types → names → versions, and the selected
 * version (its files, metadata, aliases, producer and consumers, lineage, diff). The
 * selection is the URL: `/{entity}/{project}/artifacts/{name}/{version}`. */
import { artifactsApi } from "../../api/artifacts";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { formatAgo } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { paths } from "../../router";
import "./artifacts.css";
import { VersionView } from "./VersionView";

interface Props {
  entity: string;
  project: string;
  name?: string;
  version?: string;
  theme: string;
}

export function ArtifactsPage({ entity, project, name, version }: Props) {
  const types = useAsync((s) => artifactsApi.types(entity, project, s), [entity, project]);
  return (
    <main class="page" id="main">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.projects()}>Projects</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.workspace(entity, project)}>{project}</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.artifacts(entity, project)}>Artifacts</Link>
        {name && (
          <>
            <span aria-hidden="true">/</span>
            <span>{version ? `${name}:${version}` : name}</span>
          </>
        )}
      </nav>
      {types.error !== undefined && <ErrorBanner error={types.error} onRetry={types.reload} />}
      {types.data && types.data.length === 0 && (
        <div class="empty-state">
          <h2>No artifacts yet</h2>
          <p class="muted">
            Artifacts logged with <code>run.log_artifact()</code> appear here.
          </p>
        </div>
      )}
      {types.data && types.data.length > 0 && (
        <div class="artifacts-layout">
          <nav class="artifacts-nav" aria-label="Artifact types">
            {types.data.map((t) => (
              <section key={t.type} aria-label={`Type ${t.type}`}>
                <h2 class="artifacts-type">{t.type}</h2>
                <ul>
                  {t.artifacts.map((a) => (
                    <li key={a.name}>
                      <Link href={paths.artifacts(entity, project, a.name)} class={a.name === name ? "artifact-link active" : "artifact-link"}>
                        <span>{a.name}</span>
                        <span class="muted">{a.versions}</span>
                      </Link>
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </nav>
          <div class="artifacts-main">
            {name ? (
              <Versions entity={entity} project={project} name={name} version={version} />
            ) : (
              <p class="muted">Pick an artifact.</p>
            )}
          </div>
        </div>
      )}
      {types.loading && !types.data && <div class="loading-block" aria-label="loading" />}
    </main>
  );
}

function Versions({ entity, project, name, version }: { entity: string; project: string; name: string; version?: string }) {
  const versions = useAsync((s) => artifactsApi.versions(entity, project, name, s), [entity, project, name]);
  if (versions.error !== undefined) return <ErrorBanner error={versions.error} onRetry={versions.reload} />;
  if (!versions.data) return <div class="loading-block" aria-label="loading" />;
  const selected = version ?? versions.data[0]?.version;
  return (
    <div class="versions-layout">
      <section class="versions-list" aria-label="Versions">
        <ul>
          {versions.data.map((v) => (
            <li key={v.version}>
              <Link href={paths.artifacts(entity, project, name, v.version)}
                class={v.version === selected || v.aliases.includes(selected ?? "") ? "version-link active" : "version-link"}>
                <strong>{v.version}</strong>
                <span class="aliases">
                  {v.aliases.map((a) => (
                    <span key={a} class="alias">{a}</span>
                  ))}
                </span>
                <span class="muted">{formatAgo(v.created_at)}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      {selected && (
        <VersionView key={selected} entity={entity} project={project} name={name} version={selected}
          versions={versions.data} onChanged={versions.reload} />
      )}
    </div>
  );
}
