/** The shapes of docs/api.md (the /api/v1 contract), as the server sends them. */

/** A JSON value as stored in config and summary. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A number on the wire: NaN arrives as null, infinities as "Infinity" / "-Infinity". */
export type WireNumber = number | null | "Infinity" | "-Infinity";

export type RunState = "running" | "finished" | "failed" | "crashed" | "killed" | "preempting" | "preempted";

export interface Project {
  entity: string;
  name: string;
  run_count: number;
  created_at: number;
  last_activity: number | null;
}

export interface Run {
  id: string;
  entity: string;
  project: string;
  path: string;
  name: string;
  state: RunState;
  notes: string | null;
  tags: string[];
  group: string | null;
  job_type: string | null;
  created_at: number;
  updated_at: number | null;
  heartbeat_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  last_step: number | null;
  host: string | null;
  config: { [key: string]: Json };
  summary: { [key: string]: Json };
  meta: { [key: string]: Json };
  url: string | null;
}

export interface RunMetric {
  key: string;
  kind: MetricKind;
  count: number;
  first_step: number | null;
  last_step: number | null;
}

export interface RunDetail extends Run {
  metrics: RunMetric[];
}

export interface RunsPage {
  runs: Run[];
  total: number;
  limit: number;
  offset: number;
}

export interface Columns {
  config: string[];
  summary: string[];
}

/** f: float, i: int, b: bool (all numeric), o: anything else (strings, media). */
export type MetricKind = "f" | "i" | "b" | "o";

export interface ProjectMetric {
  key: string;
  kind: MetricKind;
  runs: number;
}

export interface EnvelopeRequest {
  runs: string[];
  keys: string[];
  buckets: number;
  x: string;
  min: number | null;
  max: number | null;
}

export interface WireEnvelope {
  run: string;
  key: string;
  kind: MetricKind;
  total_points: number;
  x: WireNumber[];
  x_last: WireNumber[];
  min: WireNumber[];
  max: WireNumber[];
  mean: WireNumber[];
  last: WireNumber[];
  count: number[];
  step_first: number[];
  step_last: number[];
}

export interface EnvelopeResponse {
  x: string;
  series: WireEnvelope[];
}

/** Full-resolution rows: `_step` and the asked keys a row has. */
export interface HistoryPage {
  rows: { [key: string]: WireNumber }[];
  next_step: number | null;
}

export interface RunPatch {
  name?: string;
  notes?: string;
  tags?: string[];
}

/** `event: run` on the project's event stream. */
export interface RunEvent {
  id: string;
  state: RunState;
  last_step: number | null;
  updated_at: number | null;
  summary: { [key: string]: Json };
  name?: string;
  notes?: string | null;
  tags?: string[];
  finished_at?: number | null;
  exit_code?: number | null;
}

/** `event: points`: the points logged since the last event for one run and key. */
export interface PointsEvent {
  run: string;
  key: string;
  steps: number[];
  values: WireNumber[];
  x: { _runtime?: WireNumber[]; _timestamp?: WireNumber[] };
}

/** `event: reset`: too many points to stream; refetch the series' envelope. */
export interface ResetEvent {
  run: string;
  key: string;
}
