/** Run files (`run.save`, logs …): the list, and URLs to preview or download one. */
import { request } from "./client";

export interface RunFile {
  name: string;
  size: number;
  digest: string;
  updated_at: number;
  policy?: string;
}

const seg = encodeURIComponent;

function runBase(entity: string, project: string, id: string): string {
  return `/runs/${seg(entity)}/${seg(project)}/${seg(id)}`;
}

export function runFiles(entity: string, project: string, id: string, signal?: AbortSignal): Promise<RunFile[]> {
  return request<{ files: RunFile[] }>(`${runBase(entity, project, id)}/files`, { signal }).then((r) => r.files);
}

/** The file's content URL (`download`: as an attachment). Folders stay `/`-separated. */
export function runFileUrl(entity: string, project: string, id: string, name: string, download = false): string {
  const path = name.split("/").map(seg).join("/");
  return `/api/v1${runBase(entity, project, id)}/files/${path}${download ? "?download=1" : ""}`;
}
