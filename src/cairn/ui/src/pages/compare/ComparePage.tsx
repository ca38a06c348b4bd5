/** Selected runs side by side: their config and summary, rows that differ highlighted, and
 * an option to show only those; their media below. */
import { useEffect } from "preact/hooks";
import { api } from "../../api/client";
import type { Json, Run } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { StateBadge } from "../../components/StateBadge";
import { runColor } from "../../lib/colors";
import { flatOf } from "../../lib/flatten";
import { formatDuration, formatTime, formatValue, runDuration } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { listParam, paths, setQuery, useQuery } from "../../router";
import { WorkspaceMedia } from "../workspace/WorkspaceMedia";

interface Row {
  key: string;
  values: string[];
  differs: boolean;
}

function rowsOf(runs: readonly Run[], part: "config" | "summary"): Row[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of flatOf(r[part]).keys()) keys.add(k);
  return [...keys].sort().map((key) => {
    const values = runs.map((r) => {
      const v: Json | undefined = flatOf(r[part]).get(key);
      return v === undefined ? "" : formatValue(v);
    });
    return { key, values, differs: values.some((v) => v !== values[0]) };
  });
}

function Block({ title, rows, onlyDiff, width }: { title: string; rows: Row[]; onlyDiff: boolean; width: number }) {
  const shown = onlyDiff ? rows.filter((r) => r.differs) : rows;
  return (
    <>
      <tr class="compare-section">
        <th scope="rowgroup" colSpan={width + 1}>
          {title} <span class="muted small">{shown.length} of {rows.length} keys</span>
        </th>
      </tr>
      {shown.map((r) => (
        <tr key={`${title}.${r.key}`} class={r.differs ? "differs" : undefined} data-differs={r.differs ? "true" : "false"}>
          <th scope="row">{r.key}</th>
          {r.values.map((v, i) => (
            <td key={i} class={v === "" ? "missing" : undefined}>
              {v === "" ? "—" : v}
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

/** The server refuses filters of more than 500 terms; nobody reads a wider table anyway. */
const MAX_COMPARED = 400;

export function ComparePage({ entity, project }: { entity: string; project: string }) {
  const q = useQuery();
  const ids = listParam(q, "runs").slice(0, MAX_COMPARED);
  const onlyDiff = q.get("diff") === "1";
  const runs = useAsync(
    (s) =>
      ids.length
        ? api.runs(entity, project, { filters: { id: { $in: ids } }, limit: Math.min(1000, ids.length) }, s)
        : Promise.resolve({ runs: [], total: 0, limit: 0, offset: 0 }),
    [entity, project, ids.join(",")],
  );
  useEffect(() => {
    document.title = `Compare · ${project} · cairn`;
  }, [project]);
  // Keep the order the runs were given in.
  const byId = new Map((runs.data?.runs ?? []).map((r) => [r.id, r]));
  const list = ids.map((id) => byId.get(id)).filter((r): r is Run => r !== undefined);
  const missing = runs.data ? ids.filter((id) => !byId.has(id)) : [];

  return (
    <main class="page" id="main">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.projects()}>Projects</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.workspace(entity, project)}>{project}</Link>
        <span aria-hidden="true">/</span>
        <span>Compare</span>
      </nav>
      <div class="page-head">
        <h1>Compare {list.length} runs</h1>
        <label class="control">
          <input type="checkbox" checked={onlyDiff} onChange={() => setQuery({ diff: onlyDiff ? null : "1" })} />
          <span>Only differences</span>
        </label>
      </div>
      {runs.error !== undefined && <ErrorBanner error={runs.error} onRetry={runs.reload} />}
      {ids.length === 0 && <p class="muted">Select runs in the workspace and choose Compare.</p>}
      {missing.length > 0 && <div class="banner banner-info">Not found: {missing.join(", ")}</div>}
      {list.length > 0 && (
        <div class="compare-scroll">
          <table class="table compare-table">
            <thead>
              <tr>
                <th scope="col">Key</th>
                {list.map((r) => (
                  <th scope="col" key={r.id}>
                    <span class="run-name">
                      <span class="swatch" style={{ background: runColor(r.id) }} aria-hidden="true" />
                      <Link href={paths.run(entity, project, r.id)}>{r.name || r.id}</Link>
                    </span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">state</th>
                {list.map((r) => (
                  <td key={r.id}><StateBadge state={r.state} /></td>
                ))}
              </tr>
              <tr>
                <th scope="row">created</th>
                {list.map((r) => <td key={r.id}>{formatTime(r.created_at)}</td>)}
              </tr>
              <tr>
                <th scope="row">runtime</th>
                {list.map((r) => <td key={r.id}>{formatDuration(runDuration(r))}</td>)}
              </tr>
              <tr>
                <th scope="row">tags</th>
                {list.map((r) => <td key={r.id}>{r.tags.join(", ") || "—"}</td>)}
              </tr>
              <Block title="Config" rows={rowsOf(list, "config")} onlyDiff={onlyDiff} width={list.length} />
              <Block title="Summary" rows={rowsOf(list, "summary")} onlyDiff={onlyDiff} width={list.length} />
            </tbody>
          </table>
        </div>
      )}
      {list.length > 0 && (
        <WorkspaceMedia entity={entity} project={project} open={q.get("media") === "1"}
          runs={list.map((r) => ({ id: r.id, label: r.name || r.id, color: runColor(r.id) }))} />
      )}
    </main>
  );
}
