/** Fits the importance forest off the main thread: a forest over 1,000 runs and tens of
 * parameters takes long enough to stall the page. */
import { forestImportance, type ForestOptions } from "./importance";

export interface ForestRequest {
  id: number;
  x: number[][];
  y: number[];
  opts: ForestOptions;
}

export interface ForestReply {
  id: number;
  scores?: number[];
  error?: string;
}

self.onmessage = (e: MessageEvent<ForestRequest>) => {
  const { id, x, y, opts } = e.data;
  try {
    const scores = forestImportance(x, y, opts);
    (self as unknown as Worker).postMessage({ id, scores } satisfies ForestReply);
  } catch (err) {
    (self as unknown as Worker).postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies ForestReply);
  }
};
