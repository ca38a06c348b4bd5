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
