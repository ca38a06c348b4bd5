/** A project's sweeps: state, method, trials and the best value so far; live. */
import { useEffect, useState } from "preact/hooks";
import { sweepsApi, type SweepSummary } from "../../api/sweeps";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { StateBadge } from "../../components/StateBadge";
import { paths } from "../../router";
import { formatValue } from "./SweepCharts";
import "./sweeps.css";

const REFRESH_MS = 3000;

export function SweepsPage({ entity, project }: { entity: string; project: string }) {
  const [sweeps, setSweeps] = useState<SweepSummary[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    document.title = `Sweeps · ${project} · cairn`;
    const ctl = new AbortController();
    const refresh = () =>
      sweepsApi.list(entity, project, ctl.signal).then(
        (found) => {
          setError(undefined);
          setSweeps(found);
        },
        (e: unknown) => !ctl.signal.aborted && setError(e),
      );
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => {
      ctl.abort();
      clearInterval(timer);
    };
  }, [entity, project]);

  return (
    <main class="page" id="main">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.projects()}>Projects</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.workspace(entity, project)}>{project}</Link>
        <span aria-hidden="true">/</span>
        <span>Sweeps</span>
      </nav>
      <div class="page-head">
        <h1>Sweeps</h1>
      </div>
      {error !== undefined && <ErrorBanner error={error} />}
      {sweeps === null && error === undefined && <div class="loading-block" aria-label="loading" />}
      {sweeps !== null && sweeps.length === 0 && (
        <div class="empty-state">
          <h2>No sweeps yet</h2>
          <p class="muted">
            Start one with <code>cairn sweep sweep.yaml --project {project}</code> or <code>cairn.sweep(config)</code>.
          </p>
        </div>
      )}
      {sweeps !== null && sweeps.length > 0 && (
        <table class="table sweeps-table">
          <thead>
            <tr>
              <th>Sweep</th>
              <th>State</th>
              <th>Method</th>
              <th>Metric</th>
              <th class="num">Trials</th>
              <th class="num">Best</th>
            </tr>
          </thead>
          <tbody>
            {sweeps.map((s) => (
              <tr key={s.id} data-sweep={s.id}>
                <td>
                  <Link href={paths.sweep(entity, project, s.id)}>{s.name}</Link>
                  {s.name !== s.id && <span class="muted small"> {s.id}</span>}
                </td>
                <td>
                  <StateBadge state={s.state} />
                </td>
                <td>{s.method}</td>
                <td>{s.metric ? `${s.metric.name} (${s.metric.goal})` : "—"}</td>
                <td class="num">
                  {s.trial_count}
                  {s.grid_size !== null ? ` / ${s.grid_size}` : s.run_cap !== null ? ` / ${s.run_cap}` : ""}
                </td>
                <td class="num">{formatValue(s.best)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
