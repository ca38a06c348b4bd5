/** The run's alerts on its overview, refreshed while the run is running. */
import { useEffect } from "preact/hooks";
import { alertsApi } from "../../api/environment";
import type { Run } from "../../api/types";
import { useAsync } from "../../lib/useAsync";
import { AlertList } from "../alerts/AlertList";

const REFRESH_MS = 3000;

export function RunAlerts({ run }: { run: Run }) {
  const alerts = useAsync((s) => alertsApi.run(run.entity, run.project, run.id, s), [run.entity, run.project, run.id]);
  const running = run.state === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => alerts.reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [running, alerts.reload]);
  if (!alerts.data?.length) return null;
  return (
    <section class="card" aria-label="Run alerts">
      <h2 class="card-title">Alerts</h2>
      <AlertList alerts={alerts.data} />
    </section>
  );
}
