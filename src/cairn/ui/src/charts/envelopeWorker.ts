/** Fetches and unpacks envelopes off the main thread: a few megabytes of JSON for a
 * hundred runs parse here, and the page gets typed arrays (transferred, not copied). */
import type { EnvelopeResponse } from "../api/types";
import { pack, type PackedSeries } from "./packed";

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
  try {
    const res = await fetch(url, { method: "POST", body, headers: [...headers, ["Content-Type", "application/json"], ["Accept", "application/json"]], credentials: "same-origin" });
    if (!res.ok) {
      post({ id, error: await errorOf(res) });
      return;
    }
    const json = (await res.json()) as EnvelopeResponse;
    const series = json.series.map(pack);
    post({ id, series }, series.map((s) => s.data.buffer));
  } catch {
    post({ id, error: { status: 0, code: "network", message: "cannot reach the cairn server — is `cairn ui` still running?" } });
  }
};
