/** The media routes of /api/v1 (docs/api.md: runs/…/media) and the references they hold. */
import { ApiError } from "./client";

export interface MediaKey {
  key: string;
  type: string;
  count: number;
  list: boolean;
  steps: number[];
}

export interface BoxPosition {
  minX?: number;
  maxX?: number;
  minY?: number;
  maxY?: number;
  middle?: [number, number];
  width?: number;
  height?: number;
}

export interface Box {
  position: BoxPosition;
  class_id: number;
  box_caption?: string;
  scores?: Record<string, number>;
  domain?: "pixel";
}

export interface MediaRef {
  _type: string;
  sha256?: string;
  size?: number;
  format?: string;
  width?: number;
  height?: number;
  caption?: string;
  boxes?: Record<string, { box_data: Box[]; class_labels: Record<string, string> }>;
  masks?: Record<string, { sha256: string; class_labels: Record<string, string> }>;
  values?: number[];
  bins?: number[];
  nrows?: number;
  columns?: string[];
  inject?: boolean;
  sample_rate?: number;
  duration?: number;
  fps?: number;
  points?: number;
  spec?: string;
  spec_name?: string;
  fields?: Record<string, string>;
  string_fields?: Record<string, string>;
  table?: MediaRef;
}

export type MediaValue = MediaRef | MediaRef[];

export interface MediaItem {
  step: number;
  value: MediaValue;
}

const seg = encodeURIComponent;

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: { message?: string; code?: string } };
      message = body.error?.message ?? message;
    } catch {
      // not JSON
    }
    throw new ApiError(response.status, "http_error", message);
  }
  return (await response.json()) as T;
}

function runMediaPath(entity: string, project: string, run: string): string {
  return `/api/v1/runs/${seg(entity)}/${seg(project)}/${seg(run)}/media`;
}

const MIME: Record<string, string> = {
  png: "image/png", jpg: "image/jpeg", gif: "image/gif", bmp: "image/bmp", webp: "image/webp",
  wav: "audio/wav", mp3: "audio/mpeg", ogg: "audio/ogg", flac: "audio/flac",
  mp4: "video/mp4", webm: "video/webm", json: "application/json",
};

export const mediaApi = {
  keys: (entity: string, project: string, run: string, signal?: AbortSignal) =>
    getJson<{ keys: MediaKey[] }>(runMediaPath(entity, project, run), signal).then((r) => r.keys),

  items: (entity: string, project: string, run: string, key: string, signal?: AbortSignal) =>
    getJson<{ items: MediaItem[] }>(
      `${runMediaPath(entity, project, run)}/${key.split("/").map(seg).join("/")}?limit=10000`,
      signal,
    ).then((r) => r.items),

  /** The blob's URL, served as its type when that type is safe to show inline. */
  blobUrl: (digest: string, format?: string, kind = "") =>
    `/api/v1/blobs/${digest}${format && MIME[format] ? `?type=${seg(kind === "audio" && format === "webm" ? "audio/webm" : MIME[format])}` : ""}`,

  blobJson: <T>(digest: string, signal?: AbortSignal) => getJson<T>(`/api/v1/blobs/${digest}`, signal),

  blobText: async (digest: string, signal?: AbortSignal) => {
    const response = await fetch(`/api/v1/blobs/${digest}`, { signal });
    if (!response.ok) throw new ApiError(response.status, "http_error", `${response.status} ${response.statusText}`);
    return response.text();
  },
};

/** The reference to show at ``step`` (the latest at or before it). */
export function itemAt(items: MediaItem[], step: number): MediaItem | undefined {
  let found: MediaItem | undefined;
  for (const item of items) {
    if (item.step > step) break;
    found = item;
  }
  return found ?? items[0];
}

export function asList(value: MediaValue | undefined): MediaRef[] {
  if (!value) return [];
  return Array.isArray(value) ? value : [value];
}
