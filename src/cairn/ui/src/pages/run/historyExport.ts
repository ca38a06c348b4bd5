/** A run's history as CSV: one row per logged step, one column per numeric metric, read at
 * full resolution from the history API a page at a time. */
import { api } from "../../api/client";
import type { RunDetail, WireNumber } from "../../api/types";
import { wireNumber } from "../../api/values";
import { csvOf } from "../../charts/export";

/** Keys one history request takes at most (the API's limit). */
export const MAX_KEYS = 1000;
const PAGE = 10_000;
/** Rows an export reads at most. */
export const MAX_ROWS = 1_000_000;

export interface HistoryCsv {
  csv: string;
  rows: number;
  /** What was left out, in words (too many keys or rows); null when nothing. */
  cut: string | null;
}

export async function runHistoryCsv(run: RunDetail, signal?: AbortSignal): Promise<HistoryCsv> {
  const numeric = run.metrics.filter((m) => m.kind !== "o" && m.key !== "_step").map((m) => m.key);
  const keys = numeric.slice(0, MAX_KEYS);
  const cuts: string[] = [];
  if (numeric.length > keys.length) cuts.push(`the first ${MAX_KEYS} of ${numeric.length} metrics`);
  const rows: (number | null)[][] = [];
  let from = 0;
  while (keys.length) {
    if (signal?.aborted) throw new DOMException("export cancelled", "AbortError");
    const page = await api.history(run.entity, run.project, run.id, keys, from, PAGE);
    for (const r of page.rows) {
      rows.push([Number(r._step), ...keys.map((k) => (k in r ? wireNumber(r[k] as WireNumber) : null))]);
    }
    if (page.next_step === null) break;
    if (rows.length >= MAX_ROWS) {
      cuts.push(`the first ${MAX_ROWS.toLocaleString()} steps`);
      break;
    }
    from = page.next_step;
  }
  return { csv: csvOf(["_step", ...keys], rows), rows: rows.length, cut: cuts.length ? cuts.join(" and ") : null };
}
