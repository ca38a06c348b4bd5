/** Every call the app makes to /api/v1, and the API's one error shape as ApiError. */
import type {
  Columns,
  EnvelopeRequest,
  HistoryPage,
  EnvelopeResponse,
  Project,
  ProjectMetric,
  Run,
  RunDetail,
  RunPatch,
  RunsPage,
} from "./types";

import { apiFetch } from "./http";

const BASE = "/api/v1";

/** An error from the API ({"error": {status, code, message}}) or from the network. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === "AbortError";
}

export { isAbort };

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && "error" in body) {
      const e = (body as { error: { status?: number; code?: string; message?: string } }).error;
      return new ApiError(e.status ?? response.status, e.code ?? "error", e.message ?? response.statusText);
    }
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(response.status, "http_error", `${response.status} ${response.statusText}`);
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await apiFetch(BASE + path, {
      ...init,
      headers: { Accept: "application/json", ...(init.body ? { "Content-Type": "application/json" } : {}) },
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, "network", "cannot reach the cairn server — is `cairn ui` still running?");
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A mutating call with a JSON body (the server wants one on every POST/PUT/PATCH). */
export function send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  return request<T>(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

const seg = encodeURIComponent;

function projectPath(entity: string, project: string): string {
  return `/projects/${seg(entity)}/${seg(project)}`;
}

export function runPath(entity: string, project: string, id: string): string {
  return `/runs/${seg(entity)}/${seg(project)}/${seg(id)}`;
}

export interface RunsQuery {
  filters?: object | null;
  search?: string;
  order?: string;
  limit?: number;
  offset?: number;
  columns?: string[] | null;
}

function runsParams(q: RunsQuery): string {
  const p = new URLSearchParams();
  if (q.filters && Object.keys(q.filters).length) p.set("filters", JSON.stringify(q.filters));
  if (q.search) p.set("search", q.search);
  if (q.order) p.set("order", q.order);
  if (q.limit !== undefined) p.set("limit", String(q.limit));
  if (q.offset) p.set("offset", String(q.offset));
  if (q.columns) p.set("columns", q.columns.join(","));
  const s = p.toString();
  return s ? `?${s}` : "";
}

export const api = {
  projects: (signal?: AbortSignal) =>
    request<{ projects: Project[] }>("/projects", { signal }).then((r) => r.projects),

  runs: (entity: string, project: string, q: RunsQuery, signal?: AbortSignal) =>
    request<RunsPage>(`${projectPath(entity, project)}/runs${runsParams(q)}`, { signal }),

  columns: (entity: string, project: string, signal?: AbortSignal) =>
    request<Columns>(`${projectPath(entity, project)}/columns`, { signal }),

  metrics: (entity: string, project: string, signal?: AbortSignal) =>
    request<{ metrics: ProjectMetric[] }>(`${projectPath(entity, project)}/metrics`, { signal }).then(
      (r) => r.metrics,
    ),

  envelopes: (entity: string, project: string, body: EnvelopeRequest, signal?: AbortSignal) =>
    request<EnvelopeResponse>(`${projectPath(entity, project)}/envelopes`, {
      method: "POST",
      body: JSON.stringify(body),
      signal,
    }),

  envelopesUrl: (entity: string, project: string) => `${location.origin}${BASE}${projectPath(entity, project)}/envelopes`,

  run: (entity: string, project: string, id: string, signal?: AbortSignal) =>
    request<RunDetail>(runPath(entity, project, id), { signal }),

  history: (entity: string, project: string, id: string, keys: string[], minStep: number, limit: number) =>
    request<HistoryPage>(
      `${runPath(entity, project, id)}/history?${new URLSearchParams({
        keys: keys.join(","),
        min_step: String(minStep),
        limit: String(limit),
      }).toString()}`,
    ),

  patchRun: (entity: string, project: string, id: string, patch: RunPatch) =>
    request<Run>(runPath(entity, project, id), { method: "PATCH", body: JSON.stringify(patch) }),

  eventsUrl: (entity: string, project: string, runs: string[], keys: string[]) => {
    const p = new URLSearchParams();
    if (runs.length) p.set("runs", runs.join(","));
    if (keys.length) p.set("keys", keys.join(","));
    const s = p.toString();
    return `${BASE}${projectPath(entity, project)}/events${s ? `?${s}` : ""}`;
  },
};
