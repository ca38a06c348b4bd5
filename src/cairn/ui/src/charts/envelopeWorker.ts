/** Fetches envelopes off the main thread, in the server's packed form (typed arrays over
 * the answer's bytes; JSON from a server that does not pack), and hands the page typed
 * arrays (transferred, not copied). */
import type { EnvelopeResponse } from "../api/types";
import { pack, PACKED_TYPE, unpackAnswer, type PackedSeries } from "./packed";

export interface WorkerRequest {
  id: number;
  url: string;
  body: string;
  /** The app's request headers (its mark, and the session's CSRF token). */
  headers: [string, string][];
}

export type WorkerReply =
  | { id: number; series: PackedSeries[] }
  | { id: number; error: { status: number; code: string; message: string } };

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  try {
    const body = (await res.json()) as { error?: { status?: number; code?: string; message?: string } };
    if (body.error) {
      return { status: body.error.status ?? res.status, code: body.error.code ?? "error", message: body.error.message ?? res.statusText };
    }
  } catch {
    // not the API's JSON error
  }
  return { status: res.status, code: "http_error", message: `${res.status} ${res.statusText}` };
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const { id, url, body, headers } = e.data;
  const post = (reply: WorkerReply, transfer: Transferable[] = []) =>
    (self as unknown as { postMessage: (m: WorkerReply, t: Transferable[]) => void }).postMessage(reply, transfer);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      body,
      headers: [...headers, ["Content-Type", "application/json"], ["Accept", `${PACKED_TYPE}, application/json;q=0.5`]],
      credentials: "same-origin",
    });
  } catch {
    post({ id, error: { status: 0, code: "network", message: "cannot reach the cairn server — is `cairn ui` still running?" } });
    return;
  }
  if (!res.ok) {
    post({ id, error: await errorOf(res) });
    return;
  }
  let series: PackedSeries[];
  try {
    series = (res.headers.get("Content-Type") ?? "").startsWith(PACKED_TYPE)
      ? unpackAnswer(await res.arrayBuffer())
      : ((await res.json()) as EnvelopeResponse).series.map(pack);
  } catch (err) {
    const message = `the server's chart data could not be read: ${err instanceof Error ? err.message : String(err)}`;
    post({ id, error: { status: res.status, code: "bad_answer", message } });
    return;
  }
  // Packed series share one buffer: transfer each buffer once.
  post({ id, series }, [...new Set(series.map((s) => s.data.buffer as ArrayBuffer))]);
};
