/** Saved workspaces: the user's layout of a project's workspace and its named views
 * (server/workspaces.py, docs/api.md). */
import { request } from "./client";
import type { Layout } from "../charts/layout";

export interface StoredLayout {
  layout: Layout | null;
  /** How many times it was saved (0: never): sent back with a save, so that a stale copy
   * (another tab) is refused with 409 instead of overwriting newer work. */
  version: number;
  updated_at: number | null;
}

export interface ViewState {
  layout: Layout | null;
  /** The workspace's query string (filters, x axis, smoothing, …) without the `?`. */
  query: string;
}

export interface SavedView {
  id: number;
  name: string;
  state: ViewState;
  default: boolean;
  created_at: number;
  updated_at: number;
}

const seg = encodeURIComponent;
const base = (entity: string, project: string) => `/projects/${seg(entity)}/${seg(project)}`;

export const workspaceApi = {
  layout: (entity: string, project: string, signal?: AbortSignal) =>
    request<StoredLayout>(`${base(entity, project)}/workspace`, { signal }),

  /** `keepalive`: sent even as the page goes away (a reload right after a change). */
  saveLayout: (entity: string, project: string, layout: Layout, version: number, keepalive = false) =>
    request<StoredLayout>(`${base(entity, project)}/workspace`, {
      method: "PUT",
      body: JSON.stringify({ layout, version }),
      keepalive,
    }),

  resetLayout: (entity: string, project: string, keepalive = false) =>
    request<{ deleted: boolean }>(`${base(entity, project)}/workspace`, { method: "DELETE", keepalive }),

  views: (entity: string, project: string, signal?: AbortSignal) =>
    request<{ views: SavedView[] }>(`${base(entity, project)}/views`, { signal }).then((r) => r.views),

  createView: (entity: string, project: string, name: string, state: ViewState, isDefault = false) =>
    request<SavedView>(`${base(entity, project)}/views`, {
      method: "POST",
      body: JSON.stringify({ name, state, default: isDefault }),
    }),

  changeView: (entity: string, project: string, id: number, change: { name?: string; state?: ViewState; default?: boolean }) =>
    request<SavedView>(`${base(entity, project)}/views/${id}`, { method: "PUT", body: JSON.stringify(change) }),

  deleteView: (entity: string, project: string, id: number) =>
    request<{ deleted: boolean }>(`${base(entity, project)}/views/${id}`, { method: "DELETE" }),
};
