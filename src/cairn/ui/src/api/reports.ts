/** Reports: documents of a project made of Markdown and live panel blocks (server/reports.py,
 * docs/api.md). A save sends the version it was read at, so a stale copy (another editor)
 * is refused with 409 instead of overwriting newer work. */
import { request } from "./client";
import type { PanelLayout } from "../charts/layout";

export interface MarkdownBlock {
  id: string;
  type: "markdown";
  text: string;
}

export interface RunSet {
  /** The workspace's query string (without `?`) that picks the runs: filters, search, order. */
  query: string;
  /** Runs drawn at most. */
  max: number;
}

export interface PanelBlock {
  id: string;
  type: "panel";
  panel: PanelLayout;
  runs: RunSet;
}

export type Block = MarkdownBlock | PanelBlock;

export interface ReportBody {
  blocks: Block[];
}

export interface ReportSummary {
  id: number;
  title: string;
  author: string | null;
  version: number;
  created_at: number;
  updated_at: number;
  /** Whether the caller may change it (viewers of a team project read only). */
  editable: boolean;
}

export interface Report extends ReportSummary {
  body: ReportBody;
}

const seg = encodeURIComponent;
const base = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}/reports`;

export const reportsApi = {
  list: (entity: string, project: string, signal?: AbortSignal) =>
    request<{ reports: ReportSummary[]; editable: boolean }>(base(entity, project), { signal }),

  get: (entity: string, project: string, id: string | number, signal?: AbortSignal) =>
    request<Report>(`${base(entity, project)}/${seg(String(id))}`, { signal }),

  create: (entity: string, project: string, title: string, body: ReportBody) =>
    request<Report>(base(entity, project), { method: "POST", body: JSON.stringify({ title, body }) }),

  save: (entity: string, project: string, id: number, version: number, change: { title?: string; body?: ReportBody }) =>
    request<Report>(`${base(entity, project)}/${id}`, { method: "PUT", body: JSON.stringify({ ...change, version }) }),

  remove: (entity: string, project: string, id: number) =>
    request<{ deleted: boolean }>(`${base(entity, project)}/${id}`, { method: "DELETE" }),
};
