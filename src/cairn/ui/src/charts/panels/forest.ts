/** The importance forest, fitted in a worker (on the page when workers are unavailable). */
import { forestImportance, type ForestOptions } from "./importance";
import type { ForestReply, ForestRequest } from "./importanceWorker";

let worker: Worker | null | undefined;
let next = 0;
const waiting = new Map<number, { resolve: (s: number[]) => void; reject: (e: Error) => void }>();

function theWorker(): Worker | null {
  if (worker === undefined) {
    try {
      worker = new Worker(new URL("./importanceWorker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (e: MessageEvent<ForestReply>) => {
        const w = waiting.get(e.data.id);
        waiting.delete(e.data.id);
        if (!w) return;
        if (e.data.scores) w.resolve(e.data.scores);
        else w.reject(new Error(e.data.error ?? "the importance model failed"));
      };
      // A worker that cannot start (or dies) fails what it had; later fits run on the page.
      worker.onerror = () => {
        worker = null;
        for (const w of waiting.values()) w.reject(new Error("the importance worker failed"));
        waiting.clear();
      };
    } catch {
      worker = null;
    }
  }
  return worker;
}

export function fitForest(x: number[][], y: number[], opts: ForestOptions = {}): Promise<number[]> {
  const w = theWorker();
  if (!w) return Promise.resolve(forestImportance(x, y, opts));
  const id = ++next;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, x, y, opts } satisfies ForestRequest);
  });
}
