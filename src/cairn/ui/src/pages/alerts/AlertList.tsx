/** A list of alerts: level, title, text, when, how many repeats were throttled, and how
 * the delivery through each notifier went (failures in red, with the error). */
import type { Alert } from "../../api/environment";
import { Link } from "../../components/Link";
import { formatAgo, formatTime } from "../../lib/format";
import { paths } from "../../router";

interface Props {
  alerts: readonly Alert[];
  /** In a project feed: link each alert to its run. */
  project?: { entity: string; project: string };
}

export function AlertList({ alerts, project }: Props) {
  return (
    <ul class="alert-list" aria-label="Alerts">
      {alerts.map((a) => (
        <li key={a.id} class={`alert-item alert-${a.level.toLowerCase()}`} aria-label={`${a.level} alert: ${a.title}`}>
          <div class="alert-head">
            <span class={`alert-level level-${a.level.toLowerCase()}`}>{a.level}</span>
            <strong class="alert-title">{a.title}</strong>
            {a.suppressed > 0 && (
              <span class="muted small" title="alerts with this title within its wait_duration were not sent">
                +{a.suppressed} suppressed
              </span>
            )}
            <span class="spacer" />
            {project && (
              <Link href={paths.run(project.entity, project.project, a.run.id)} class="small">
                {a.run.name || a.run.id}
              </Link>
            )}
            <time class="muted small" dateTime={new Date(a.at * 1000).toISOString()} title={formatTime(a.at)}>
              {formatAgo(a.at)}
            </time>
          </div>
          {a.text && <p class="alert-text">{a.text}</p>}
          {a.deliveries.length > 0 && (
            <ul class="deliveries" aria-label="Deliveries">
              {a.deliveries.map((d) => (
                <li key={d.notifier} class={`delivery delivery-${d.status}`} title={d.error ?? undefined}>
                  {d.notifier}: {d.status}
                  {d.attempts > 1 ? ` after ${d.attempts} attempts` : ""}
                  {d.status !== "sent" && d.error ? ` (${d.error})` : ""}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}
