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
  logs: (entity: string, project: string, id: string, after: number, limit: number, signal?: AbortSignal) =>
    request<ConsolePage>(`${runPath(entity, project, id)}/logs?after=${after}&limit=${limit}`, { signal }),
};

export interface ConsoleLine {
  /** The line's number in the run (increases in the order written). */
  n: number;
  at: number;
  stream: "stdout" | "stderr";
  /** The text with its ANSI escape codes. */
  text: string;
}

export interface ConsolePage {
  lines: ConsoleLine[];
  last: number;
  more: boolean;
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
