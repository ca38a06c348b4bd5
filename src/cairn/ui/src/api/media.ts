/** The media routes of /api/v1 (docs/api.md: runs/…/media) and the references they hold. */
import { ApiError } from "./client";
import { apiFetch } from "./http";

export interface MediaKey {
  key: string;
  type: string;
  count: number;
  list: boolean;
  first_step?: number;
  last_step?: number;
  /** At most 1,000 of the key's steps, spread over them (the first and last included). */
  steps: number[];
}

/** How many references a panel asks for at once: spread over the steps asked for, the
 * last included, so a long run's slider still reaches its latest step. */
export const ITEMS_PER_FETCH = 1000;

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
  scripts?: boolean;
  sample_rate?: number;
  duration?: number;
  fps?: number;
  points?: number;
  spec?: string;
  spec_name?: string;
  fields?: Record<string, string>;
  string_fields?: Record<string, string>;
  table?: MediaRef;
  /** wandb's ``images/separated`` (a list of images under one key): how many, and cairn's
   * own reference of each image. */
  count?: number;
  images?: MediaRef[];
  /** An INCREMENTAL table's earlier increments (their digests), oldest first. */
  previous_increments?: string[];
  log_mode?: string;
}

export type MediaValue = MediaRef | MediaRef[];

export interface MediaItem {
  step: number;
  value: MediaValue;
}

const seg = encodeURIComponent;

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await apiFetch(url, { signal, headers: { Accept: "application/json" } });
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

  /** References under ``key`` from ``minStep`` on: at most ITEMS_PER_FETCH, spread over
   * those steps with the latest among them. */
  items: (entity: string, project: string, run: string, key: string, signal?: AbortSignal, minStep = 0) =>
    getJson<{ items: MediaItem[] }>(itemsUrl(entity, project, run, key, minStep), signal).then((r) => r.items),

  /** The blob's URL, served as its type when that type is safe to show inline. */
  blobUrl: (digest: string, format?: string, kind = "") =>
    `/api/v1/blobs/${seg(digest)}${format && MIME[format] ? `?type=${seg(kind === "audio" && format === "webm" ? "audio/webm" : MIME[format])}` : ""}`,

  blobJson: <T>(digest: string, signal?: AbortSignal) => getJson<T>(`/api/v1/blobs/${seg(digest)}`, signal),

  htmlUrl: (digest: string, scripts: boolean) => `/api/v1/blobs/${seg(digest)}/html${scripts ? "?scripts=1" : ""}`,

  blobText: async (digest: string, signal?: AbortSignal) => {
    const response = await apiFetch(`/api/v1/blobs/${seg(digest)}`, { signal });
    if (!response.ok) throw new ApiError(response.status, "http_error", `${response.status} ${response.statusText}`);
    return response.text();
  },
};

export function itemsUrl(entity: string, project: string, run: string, key: string, minStep = 0): string {
  const path = `${runMediaPath(entity, project, run)}/${key.split("/").map(seg).join("/")}`;
  return `${path}?limit=${ITEMS_PER_FETCH}&spread=1${minStep > 0 ? `&min_step=${minStep}` : ""}`;
}

/** Items already loaded plus those fetched after them (a panel fetches only the steps
 * logged since its last fetch). */
export function appendItems(had: readonly MediaItem[], fresh: readonly MediaItem[]): MediaItem[] {
  const last = had.length ? had[had.length - 1]!.step : -1;
  return [...had, ...fresh.filter((item) => item.step > last)];
}

/** The step to fetch from after ``items``. */
export function nextStep(items: readonly MediaItem[]): number {
  return items.length ? items[items.length - 1]!.step + 1 : 0;
}

/** The reference to show at ``step`` (the latest at or before it). */
export function itemAt(items: MediaItem[], step: number): MediaItem | undefined {
  let found: MediaItem | undefined;
  for (const item of items) {
    if (item.step > step) break;
    found = item;
  }
  return found ?? items[0];
}

/** The blobs holding a logged table's rows, in order: an INCREMENTAL table's earlier
 * increments, then its own (any other table: its own). */
export function tableDigests(ref: MediaRef): string[] {
  return [...(ref.previous_increments ?? []), ref.sha256 ?? ""];
}

/** Table blobs (``{"columns", "data"}``) read as one table, their rows in order. */
export function joinDocs<T extends { columns: string[]; data: unknown[] }>(docs: T[]): T {
  const last = docs[docs.length - 1];
  return { ...(last ?? {}), columns: last?.columns ?? [], data: docs.flatMap((d) => d.data) } as T;
}

/** The media of a stored value: one reference, a list of them (as stored before lists of
 * images took wandb's ``images/separated`` shape), or that shape's ``images``. */
export function asList(value: MediaValue | undefined): MediaRef[] {
  if (!value) return [];
  if (Array.isArray(value)) return value;
  if (value._type === "images/separated") return value.images ?? [];
  return [value];
}
