/** One artifact version: overview (digest, size, producer, consumers, metadata, editable
 * aliases), its files, its lineage graph and a diff against another version. */
import { useState } from "preact/hooks";
import { type ArtifactVersion, artifactsApi, type RunBrief, type VersionDetail } from "../../api/artifacts";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { Tabs } from "../../components/Tabs";
import { formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { paths, setQuery, useQuery } from "../../router";
import { formatBytes } from "../run/files/fileTree";
import { LineageGraph } from "./LineageGraph";
import { VersionDiffView } from "./VersionDiffView";

interface Props {
  entity: string;
  project: string;
  name: string;
  version: string;
  versions: ArtifactVersion[];
  onChanged: () => void;
}

const VIEWS = [
  { id: "overview", label: "Overview" },
  { id: "files", label: "Files" },
  { id: "lineage", label: "Lineage" },
  { id: "diff", label: "Diff" },
] as const;

export function VersionView({ entity, project, name, version, versions, onChanged }: Props) {
  const detail = useAsync((s) => artifactsApi.version(entity, project, name, version, s), [entity, project, name, version]);
  const view = useQuery().get("view") ?? "overview";
  if (detail.error !== undefined) return <ErrorBanner error={detail.error} onRetry={detail.reload} />;
  const d = detail.data;
  if (!d) return <div class="loading-block" aria-label="loading" />;
  const onAliases = async (aliases: string[]) => {
    const updated = await artifactsApi.setAliases(entity, project, name, d.version, aliases);
    detail.setData(() => updated);
    onChanged();
  };
  return (
    <section class="version-view" aria-label={`${name}:${d.version}`}>
      <header class="version-head">
        <h1>
          {name}:{d.version}
        </h1>
        <span class="type-badge">{d.type}</span>
      </header>
      <Tabs tabs={VIEWS} active={view} label="Version sections" onSelect={(t) => setQuery({ view: t === "overview" ? null : t })}>
        {view === "overview" && <Overview d={d} onAliases={onAliases} />}
        {view === "files" && <Files d={d} />}
        {view === "lineage" && <LineageGraph entity={entity} project={project} name={name} version={d.version} />}
        {view === "diff" && <VersionDiffView entity={entity} project={project} name={name} version={d.version} versions={versions} />}
      </Tabs>
    </section>
  );
}

function RunLink({ run }: { run: RunBrief }) {
  return <Link href={paths.run(run.entity, run.project, run.id)}>{run.name || run.id}</Link>;
}

function Overview({ d, onAliases }: { d: VersionDetail; onAliases: (aliases: string[]) => Promise<void> }) {
  const metadata = Object.keys(d.metadata).length ? JSON.stringify(d.metadata, null, 2) : null;
  return (
    <div class="version-overview">
      <dl class="version-facts" aria-label="Version">
        <dt>Aliases</dt>
        <dd>
          <AliasEditor aliases={d.aliases} onSave={onAliases} />
        </dd>
        <dt>Digest</dt>
        <dd>
          <code>{d.digest}</code>
        </dd>
        <dt>Size</dt>
        <dd>
          {formatBytes(d.size)} in {d.file_count} files
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(d.created_at)}</dd>
        {d.description && (
          <>
            <dt>Description</dt>
            <dd>{d.description}</dd>
          </>
        )}
        <dt>Logged by</dt>
        <dd>{d.producer ? <RunLink run={d.producer} /> : <span class="muted">–</span>}</dd>
        <dt>Used by</dt>
        <dd>
          {d.consumers.length === 0 && <span class="muted">no runs yet</span>}
          {d.consumers.map((r, i) => (
            <span key={r.id}>
              {i > 0 && ", "}
              <RunLink run={r} />
            </span>
          ))}
        </dd>
      </dl>
      {metadata && (
        <section aria-label="Metadata">
          <h2 class="section-title">Metadata</h2>
          <pre class="preview-text">{metadata}</pre>
        </section>
      )}
    </div>
  );
}

function AliasEditor({ aliases, onSave }: { aliases: string[]; onSave: (aliases: string[]) => Promise<void> }) {
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const save = async (next: string[]) => {
    try {
      await onSave(next);
      setError(undefined);
      setDraft("");
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="alias-editor">
      {aliases.map((a) => (
        <span key={a} class="alias">
          {a}
          {a !== "latest" && (
            <button type="button" class="alias-remove" aria-label={`Remove alias ${a}`} onClick={() => save(aliases.filter((x) => x !== a))}>
              ×
            </button>
          )}
        </span>
      ))}
      <input
        class="input input-small"
        aria-label="Add alias"
        placeholder="add alias"
        value={draft}
        onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && draft.trim()) void save([...aliases, draft.trim()]);
        }}
      />
      {error !== undefined && <ErrorBanner error={error} />}
    </div>
  );
}

function Files({ d }: { d: VersionDetail }) {
  return (
    <table class="files-table" aria-label="Artifact files">
      <thead>
        <tr>
          <th>Name</th>
          <th class="num">Size</th>
          <th>Digest</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {d.files.map((f) => (
          <tr key={f.name}>
            <td>{f.ref ? <span title={f.ref}>{f.name} ↗</span> : f.name}</td>
            <td class="num">{f.size == null ? "–" : formatBytes(f.size)}</td>
            <td>
              <code>{f.digest.slice(0, 12)}</code>
            </td>
            <td>
              {!f.ref && (
                <a href={artifactsApi.fileUrl(d.entity, d.project, d.name, d.version, f.name, true)} download={f.name.split("/").pop()}>
                  Download
                </a>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
