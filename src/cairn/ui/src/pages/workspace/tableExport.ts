/** The runs table as CSV: every run the filter and search match (not only the rows loaded),
 * in the table's order, with its visible columns. */
import { api, type RunsQuery } from "../../api/client";
import type { Json, Run } from "../../api/types";
import { csvOf } from "../../charts/export";
import { fieldValue } from "../../lib/flatten";
import { runDuration } from "../../lib/format";
import { MAX_ALL } from "./runRows";

const PAGE = 1000;

function cell(v: Json | undefined): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "object") return JSON.stringify(v);
  return v;
}

const iso = (t: number | null) => (t === null ? null : new Date(t * 1000).toISOString());

/** The CSV text of the runs, one row each: name, id, state, created, runtime (seconds),
 * then the given config and summary fields. */
export function runsCsv(runs: readonly Run[], fields: readonly string[]): string {
  const header = ["name", "id", "state", "created", "runtime_s", ...fields];
  return csvOf(
    header,
    runs.map((r) => [
      r.name,
      r.id,
      r.state,
      iso(r.created_at),
      runDuration(r) ?? null,
      ...fields.map((f) => cell(fieldValue(r as Run & Record<string, unknown>, f))),
    ]),
  );
}

/** Every run the query matches (up to `MAX_ALL`), a page of 1,000 at a time. */
export async function allRuns(entity: string, project: string, query: RunsQuery, signal?: AbortSignal): Promise<{ runs: Run[]; total: number }> {
  const runs: Run[] = [];
  let total = Infinity;
  while (runs.length < Math.min(total, MAX_ALL)) {
    const page = await api.runs(entity, project, { ...query, limit: PAGE, offset: runs.length }, signal);
    total = page.total;
    runs.push(...page.runs);
    if (page.runs.length === 0) break;
  }
  return { runs: runs.slice(0, MAX_ALL), total };
}
