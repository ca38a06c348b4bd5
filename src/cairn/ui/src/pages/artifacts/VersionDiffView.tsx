/** The files added, removed and changed between this version and another one. */
import { type ArtifactVersion, artifactsApi } from "../../api/artifacts";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useAsync } from "../../lib/useAsync";
import { setQuery, useQuery } from "../../router";
import { formatBytes } from "../run/files/fileTree";

interface Props {
  entity: string;
  project: string;
  name: string;
  version: string;
  versions: ArtifactVersion[];
}

const size = (n: number | null) => (n == null ? "–" : formatBytes(n));

export function VersionDiffView({ entity, project, name, version, versions }: Props) {
  const others = versions.filter((v) => v.version !== version);
  const against = useQuery().get("against") ?? others.find((v) => v.index < Number(version.slice(1)))?.version ?? others[0]?.version;
  const diff = useAsync(
    (s) => (against ? artifactsApi.diff(entity, project, name, against, version, s) : Promise.resolve(null)),
    [entity, project, name, version, against],
  );
  if (!against) return <p class="muted">This is the only version.</p>;
  return (
    <div class="version-diff">
      <label class="diff-pick">
        Compare with{" "}
        <select aria-label="Compare with" value={against} onChange={(e) => setQuery({ against: (e.target as HTMLSelectElement).value })}>
          {others.map((v) => (
            <option key={v.version} value={v.version}>
              {v.version}
            </option>
          ))}
        </select>{" "}
        → {version}
      </label>
      {diff.error !== undefined && <ErrorBanner error={diff.error} onRetry={diff.reload} />}
      {diff.data && (
        <>
          <p class="muted" aria-label="Diff summary">
            {diff.data.added.length} added · {diff.data.removed.length} removed · {diff.data.changed.length} changed
          </p>
          <ul class="diff-list" aria-label="Changes">
            {diff.data.added.map((f) => (
              <li key={`a${f.name}`} class="diff-added">
                <span class="diff-mark">+</span> {f.name} <span class="muted">{size(f.size)}</span>
              </li>
            ))}
            {diff.data.removed.map((f) => (
              <li key={`r${f.name}`} class="diff-removed">
                <span class="diff-mark">−</span> {f.name} <span class="muted">{size(f.size)}</span>
              </li>
            ))}
            {diff.data.changed.map((f) => (
              <li key={`c${f.name}`} class="diff-changed">
                <span class="diff-mark">~</span> {f.name}{" "}
                <span class="muted">
                  {size(f.size_before)} → {size(f.size_after)}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
