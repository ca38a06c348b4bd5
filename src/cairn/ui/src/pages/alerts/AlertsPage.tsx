/** The project's alert feed: every run's alerts, newest first, refreshed every few
 * seconds; older ones a page at a time. */
import { useEffect, useState } from "preact/hooks";
import { alertsApi, type Alert } from "../../api/environment";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { paths } from "../../router";
import { AlertList } from "./AlertList";

const PAGE = 100;
const REFRESH_MS = 5000;

export function AlertsPage({ entity, project }: { entity: string; project: string }) {
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [more, setMore] = useState(false);

  useEffect(() => {
    document.title = `Alerts · ${project} · cairn`;
    const ctl = new AbortController();
    const refresh = () =>
      alertsApi.project(entity, project, null, PAGE, ctl.signal).then(
        (latest) => {
          setError(undefined);
          setAlerts((old) => {
            // Keep older pages already loaded below the newest page.
            const ids = new Set(latest.map((a) => a.id));
            const oldest = latest.length ? latest[latest.length - 1]!.id : Infinity;
            return [...latest, ...(old ?? []).filter((a) => !ids.has(a.id) && a.id < oldest)];
          });
          setMore((m) => m || latest.length === PAGE);
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

  const loadOlder = async () => {
    const last = alerts?.[alerts.length - 1];
    if (!last) return;
    try {
      const older = await alertsApi.project(entity, project, last.id, PAGE);
      setAlerts((old) => [...(old ?? []), ...older]);
      setMore(older.length === PAGE);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <main class="page page-narrow" id="main">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.projects()}>Projects</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.workspace(entity, project)}>{project}</Link>
        <span aria-hidden="true">/</span>
        <span>Alerts</span>
      </nav>
      <div class="page-head">
        <h1>Alerts</h1>
      </div>
      {error !== undefined && <ErrorBanner error={error} />}
      {alerts === null && error === undefined && <div class="loading-block" aria-label="loading" />}
      {alerts !== null && alerts.length === 0 && (
        <div class="empty-state">
          <h2>No alerts yet</h2>
          <p class="muted">
            Runs of this project send alerts with <code>run.alert(title, text, level)</code>.
          </p>
        </div>
      )}
      {alerts !== null && alerts.length > 0 && <AlertList alerts={alerts} project={{ entity, project }} />}
      {more && (
        <button type="button" class="btn" onClick={() => void loadOlder()}>
          Older alerts
        </button>
      )}
    </main>
  );
}
