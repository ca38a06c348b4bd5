/** The media keys of the runs a workspace panel shows, merged over the runs, fetched once
 * for every panel that asks within a few seconds (a workspace with many media panels over
 * the same runs asks the server once). */
import { mediaApi, type MediaKey } from "../../api/media";
import { mergeKeys } from "../../media/MediaPanels";
import { useAsync, type Async } from "../../lib/useAsync";

const FRESH_MS = 5000;
const cache = new Map<string, { at: number; keys: Promise<MediaKey[]> }>();

export function mediaKeysOf(entity: string, project: string, runs: readonly string[]): Promise<MediaKey[]> {
  const id = `${entity}/${project}:${runs.join(",")}`;
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < FRESH_MS) return hit.keys;
  // No abort signal: the answer is shared by every panel that asks.
  const keys = Promise.all(runs.map((r) => mediaApi.keys(entity, project, r).catch(() => [] as MediaKey[]))).then(mergeKeys);
  cache.set(id, { at: Date.now(), keys });
  if (cache.size > 64) cache.delete(cache.keys().next().value!);
  return keys;
}

export function useMediaKeys(entity: string, project: string, runs: readonly string[]): Async<MediaKey[]> {
  return useAsync(() => mediaKeysOf(entity, project, runs), [entity, project, runs.join(",")]);
}

/** The keys a panel of ``type`` can show. */
export function keysFor(type: string, keys: readonly MediaKey[]): MediaKey[] {
  if (type === "histogram") return keys.filter((k) => k.type === "histogram");
  if (type === "vega") return keys.filter((k) => ["custom-chart", "table-file", "incremental-table-file"].includes(k.type));
  return keys.filter((k) => k.type !== "histogram");
}
