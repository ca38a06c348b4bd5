/** POST …/envelopes through a worker that parses and unpacks the answer (main thread
 * stays free to scroll and draw); on the main thread where workers are unavailable. */
import { api, ApiError } from "../api/client";
import { appHeaders, unauthorized } from "../api/http";
import type { EnvelopeRequest } from "../api/types";
import type { WorkerReply, WorkerRequest } from "./envelopeWorker";
import { pack, type PackedSeries } from "./packed";

let worker: Worker | null | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (s: PackedSeries[]) => void; reject: (e: unknown) => void }>();

function theWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(new URL("./envelopeWorker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const reply = e.data;
      const w = waiting.get(reply.id);
      if (!w) return;
      waiting.delete(reply.id);
      if ("error" in reply && reply.error.status === 401) unauthorized();
      if ("error" in reply) w.reject(new ApiError(reply.error.status, reply.error.code, reply.error.message));
      else w.resolve(reply.series);
    };
    worker.onerror = () => {
      // The worker could not start (e.g. a strict CSP): fail what waits, fall back for the rest.
      for (const w of waiting.values()) w.reject(new ApiError(0, "worker", "chart data worker failed"));
      waiting.clear();
      worker = null;
    };
  } catch {
    worker = null;
  }
  return worker;
}

/** Start the worker early (while the page's first API calls are in flight). */
export function warmEnvelopeWorker(): void {
  theWorker();
}

export function fetchEnvelopes(entity: string, project: string, body: EnvelopeRequest): Promise<PackedSeries[]> {
  const w = theWorker();
  if (!w) return api.envelopes(entity, project, body).then((res) => res.series.map(pack));
  const id = nextId++;
  return appHeaders("POST").then(
    (headers) =>
      new Promise((resolve, reject) => {
        const message: WorkerRequest = { id, url: api.envelopesUrl(entity, project), body: JSON.stringify(body), headers: [...headers] };
        waiting.set(id, { resolve, reject });
        w.postMessage(message);
      }),
  );
}
