/** Calls for what a run records about its surroundings: system metrics, console lines,
 * alerts (docs/api.md). */
import { request, runPath } from "./client";
import type { WireNumber } from "./types";

export interface SystemData {
  /** Sample times, unix seconds. */
  at: number[];
  /** Per metric, a value per sample (null where the sample lacks it). */
  series: { [key: string]: WireNumber[] };
  last: number | null;
}

export const environmentApi = {
  system: (entity: string, project: string, id: string, points: number, signal?: AbortSignal) =>
    request<SystemData>(`${runPath(entity, project, id)}/system?points=${points}`, { signal }),
  /** A page of console lines: ``after`` a line number, or ``before`` one (0: the log's end). */
  logs: (entity: string, project: string, id: string, page: LogsQuery, signal?: AbortSignal) => {
    const q = new URLSearchParams({ limit: String(page.limit) });
    if (page.before !== undefined) q.set("before", String(page.before));
    else q.set("after", String(page.after ?? 0));
    if (page.search) q.set("search", page.search);
    return request<ConsolePage>(`${runPath(entity, project, id)}/logs?${q.toString()}`, { signal });
  },
};

export interface ConsoleLine {
  /** The line's number in the run (increases in the order written). */
  n: number;
  at: number;
  stream: "stdout" | "stderr";
  /** The text with its ANSI escape codes. */
  text: string;
}

export interface LogsQuery {
  after?: number;
  before?: number;
  limit: number;
  search?: string;
}

export interface ConsolePage {
  lines: ConsoleLine[];
  last: number;
  /** More lines match: newer ones (``after``), older ones (``before``). */
  more: boolean;
  /** With ``before``: the first line number given, the run's lines, and the search's. */
  first?: number;
  total?: number;
  matched?: number;
}

export type AlertLevel = "INFO" | "WARN" | "ERROR";

export interface AlertDelivery {
  notifier: string;
  status: "sent" | "retrying" | "failed";
  attempts: number;
  error: string | null;
  at: number;
}

export interface Alert {
  id: number;
  run: { id: string; name: string };
  at: number;
  title: string;
  text: string;
  level: AlertLevel;
  /** How many more alerts with this title were throttled. */
  suppressed: number;
  deliveries: AlertDelivery[];
}

const seg = encodeURIComponent;

export const alertsApi = {
  run: (entity: string, project: string, id: string, signal?: AbortSignal) =>
    request<{ alerts: Alert[] }>(`${runPath(entity, project, id)}/alerts`, { signal }).then((r) => r.alerts),
  project: (entity: string, project: string, before: number | null, limit: number, signal?: AbortSignal) =>
    request<{ alerts: Alert[] }>(
      `/projects/${seg(entity)}/${seg(project)}/alerts?limit=${limit}${before ? `&before=${before}` : ""}`,
      { signal },
    ).then((r) => r.alerts),
};
