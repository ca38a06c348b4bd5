/** Artifacts: browsing, a version, alias edits, deletion, lineage and diffs. */
import { request } from "./client";

export interface ArtifactVersion {
  name: string;
  version: string;
  index: number;
  entity: string;
  project: string;
  type: string;
  digest: string;
  aliases: string[];
  size: number;
  file_count: number;
  created_at: number;
  description: string;
}

export interface RunBrief {
  entity: string;
  project: string;
  id: string;
  name: string;
  state: string;
}

export interface ArtifactFile {
  name: string;
  digest: string;
  size: number | null;
  ref: string | null;
}

export interface VersionDetail extends ArtifactVersion {
  metadata: Record<string, unknown>;
  producer: RunBrief | null;
  consumers: RunBrief[];
  files: ArtifactFile[];
}

export interface ArtifactType {
  type: string;
  artifacts: { name: string; versions: number; created_at: number; updated_at: number }[];
}

export interface LineageNode {
  id: string;
  kind: "run" | "artifact";
  name: string;
  version?: string;
  type?: string;
  state?: string;
  run_id?: string;
  entity: string;
  project: string;
}

export interface Lineage {
  root: string;
  nodes: LineageNode[];
  edges: { from: string; to: string }[];
}

export interface VersionDiff {
  from: ArtifactVersion;
  to: ArtifactVersion;
  added: { name: string; size: number | null }[];
  removed: { name: string; size: number | null }[];
  changed: { name: string; size_before: number | null; size_after: number | null }[];
}

const seg = encodeURIComponent;
const base = (e: string, p: string) => `/projects/${seg(e)}/${seg(p)}/artifacts`;
const versionPath = (e: string, p: string, name: string, v: string) => `${base(e, p)}/${seg(name)}/${seg(v)}`;

export const artifactsApi = {
  types: (e: string, p: string, signal?: AbortSignal) =>
    request<{ types: ArtifactType[] }>(base(e, p), { signal }).then((r) => r.types),
  versions: (e: string, p: string, name: string, signal?: AbortSignal) =>
    request<{ versions: ArtifactVersion[] }>(`${base(e, p)}/${seg(name)}`, { signal }).then((r) => r.versions),
  version: (e: string, p: string, name: string, v: string, signal?: AbortSignal) =>
    request<VersionDetail>(versionPath(e, p, name, v), { signal }),
  setAliases: (e: string, p: string, name: string, v: string, aliases: string[]) =>
    request<VersionDetail>(`${versionPath(e, p, name, v)}/aliases`, { method: "PUT", body: JSON.stringify({ aliases }) }),
  lineage: (e: string, p: string, name: string, v: string, signal?: AbortSignal) =>
    request<Lineage>(`${versionPath(e, p, name, v)}/lineage`, { signal }),
  diff: (e: string, p: string, name: string, a: string, b: string, signal?: AbortSignal) =>
    request<VersionDiff>(`${versionPath(e, p, name, a)}/diff/${seg(b)}`, { signal }),
  runArtifacts: (e: string, p: string, id: string, signal?: AbortSignal) =>
    request<{ logged: ArtifactVersion[]; used: ArtifactVersion[] }>(`/runs/${seg(e)}/${seg(p)}/${seg(id)}/artifacts`, { signal }),
  fileUrl: (e: string, p: string, name: string, v: string, path: string, download = false) =>
    `/api/v1${versionPath(e, p, name, v)}/files/${path.split("/").map(seg).join("/")}${download ? "?download=1" : ""}`,
};
