/** Which runs (or groups) the charts draw, from the table's order and the view's eye
 * toggles: the first N rows (or groups), or the selection, plus runs shown by hand, minus
 * runs hidden by hand. */
import type { Json, Run } from "../../api/types";
import type { LineSpec } from "../../charts/lines";
import { paletteColor, runColor } from "../../lib/colors";
import { fieldValue, flatOf } from "../../lib/flatten";
import { formatValue } from "../../lib/format";
import type { WorkspaceView } from "./viewState";

/** A group's members in charts are capped so one huge group cannot stall every chart. */
export const MAX_GROUP_MEMBERS = 200;

export interface Group {
  id: string;
  value: string;
  runs: Run[];
}

export function groupValue(run: Run, field: string): string {
  let v: Json | undefined;
  if (field === "group") v = run.group;
  else if (field === "job_type") v = run.job_type;
  else if (field.startsWith("config.")) v = flatOf(run.config).get(field.slice(7));
  else v = fieldValue(run as unknown as Run & Record<string, unknown>, field);
  return v === undefined || v === null || v === "" ? "(none)" : formatValue(v);
}

export function groupsOf(rows: readonly Run[], field: string): Group[] {
  const byValue = new Map<string, Group>();
  for (const run of rows) {
    const value = groupValue(run, field);
    let g = byValue.get(value);
    if (!g) byValue.set(value, (g = { id: `group:${value}`, value, runs: [] }));
    g.runs.push(run);
  }
  return [...byValue.values()];
}

/** Groups are few and listed in order: each takes the next palette colour (no clashes). */
export function groupColor(groups: readonly Group[], g: Group): string {
  return paletteColor(groups.indexOf(g));
}

export function runLabel(run: Pick<Run, "name" | "id"> | undefined, id: string): string {
  return run?.name || id;
}

function pick<T extends { id: string }>(items: readonly T[], view: WorkspaceView, base: readonly string[]): T[] {
  const hidden = new Set(view.hidden);
  const want = new Set([...base, ...view.shown]);
  return items.filter((it) => want.has(it.id) && !hidden.has(it.id));
}

export interface ChartRuns {
  specs: LineSpec[];
  /** Every run whose series the charts need (group members included). */
  runIds: string[];
  shown: Set<string>;
}

export function chartRunsOf(
  rows: readonly Run[],
  groups: readonly Group[] | null,
  view: WorkspaceView,
  byId: (id: string) => Run | undefined,
): ChartRuns {
  const n = view.chartRuns === "all" ? Infinity : view.chartRuns;
  if (groups) {
    const base = groups.slice(0, n).map((g) => g.id);
    const chosen = pick(groups, view, base);
    const specs = chosen.map((g) => ({
      id: g.id,
      label: `${g.value} (${g.runs.length})`,
      color: groupColor(groups, g),
      runs: g.runs.slice(0, MAX_GROUP_MEMBERS).map((r) => r.id),
      group: true,
    }));
    return { specs, runIds: [...new Set(specs.flatMap((s) => s.runs))], shown: new Set(chosen.map((g) => g.id)) };
  }
  const base = view.onlySelected ? view.selected : rows.slice(0, n).map((r) => r.id);
  const hidden = new Set(view.hidden);
  const ids = [...new Set([...base, ...view.shown])].filter((id) => !hidden.has(id));
  const specs = ids.map((id) => ({ id, label: runLabel(byId(id), id), color: runColor(id), runs: [id], group: false }));
  return { specs, runIds: ids, shown: new Set(ids) };
}

/** The view's hide/show lists after flipping one run's (or group's) eye. */
export function toggledVisibility(view: WorkspaceView, id: string, isShown: boolean): [string[], string[]] {
  const hidden = view.hidden.filter((h) => h !== id);
  const shown = view.shown.filter((s) => s !== id);
  if (isShown) {
    if (!view.shown.includes(id)) hidden.push(id);
  } else if (!view.hidden.includes(id)) shown.push(id);
  return [hidden, shown];
}
