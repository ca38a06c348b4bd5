/** The sweeps resources (`server/sweeps.py`). */
import { request } from "./client";

export type SweepState = "running" | "paused" | "finished" | "canceled";

export interface SweepSummary {
  id: string;
  entity: string;
  project: string;
  name: string;
  method: string;
  state: SweepState;
  metric: { name: string; goal: "minimize" | "maximize" } | null;
  created_at: number;
  updated_at: number;
  trial_count: number;
  states: Record<string, number>;
  grid_size: number | null;
  run_cap: number | null;
  best: number | null;
}

export interface Trial {
  number: number;
  run_id: string;
  run_name: string | null;
  state: string;
  value: number | null;
  params: Record<string, unknown>;
  stop_reason: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface Sweep extends SweepSummary {
  config: Record<string, unknown>;
  trials: Trial[];
}

export interface ParamImportance {
  method: string | null;
  params: { name: string; correlation: number | null; importance: number | null }[];
}

const seg = encodeURIComponent;

export const sweepsApi = {
  list: (entity: string, project: string, signal?: AbortSignal) =>
    request<{ sweeps: SweepSummary[] }>(`/projects/${seg(entity)}/${seg(project)}/sweeps`, { signal }).then(
      (r) => r.sweeps,
    ),
  get: (entity: string, project: string, id: string, signal?: AbortSignal) =>
    request<Sweep>(`/sweeps/${seg(entity)}/${seg(project)}/${seg(id)}`, { signal }),
  importance: (entity: string, project: string, id: string, signal?: AbortSignal) =>
    request<ParamImportance>(`/sweeps/${seg(entity)}/${seg(project)}/${seg(id)}/importance`, { signal }),
  setState: (entity: string, project: string, id: string, state: SweepState) =>
    request<Sweep>(`/sweeps/${seg(entity)}/${seg(project)}/${seg(id)}`, {
      method: "PATCH",
      body: JSON.stringify({ state }),
    }),
};
