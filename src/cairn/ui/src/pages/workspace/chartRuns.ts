/** Which runs (or groups) the charts draw, from the table's order and the view's eye
 * toggles: the first N rows (or groups), or the selection, plus runs shown by hand, minus
 * runs hidden by hand. */
import type { Json, Run } from "../../api/types";
import type { LineSpec } from "../../charts/lines";
import { colorsByPosition, paletteColor } from "../../lib/colors";
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

const NONE = "(none)";

function rawGroupValue(run: Run, field: string): Json | undefined {
  if (field === "group") return run.group;
  if (field === "job_type") return run.job_type;
  if (field.startsWith("config.")) return flatOf(run.config).get(field.slice(7));
  return fieldValue(run as unknown as Run & Record<string, unknown>, field);
}

function isNone(v: Json | undefined): boolean {
  return v === undefined || v === null || v === "";
}

export function groupValue(run: Run, field: string): string {
  const v = rawGroupValue(run, field);
  return isNone(v) ? NONE : formatValue(v!);
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** The order of groups: by their value (numbers as numbers, text naturally: "run2" before
 * "run10"), numbers before text, runs without a value last; descending when the table is
 * sorted by the grouping field descending. */
function compareGroups(a: { key: Json | undefined; value: string }, b: { key: Json | undefined; value: string }): number {
  const an = isNone(a.key);
  const bn = isNone(b.key);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  const x = typeof a.key === "number" ? a.key : null;
  const y = typeof b.key === "number" ? b.key : null;
  if (x !== null && y !== null) return x - y;
  if (x !== null) return -1;
  if (y !== null) return 1;
  return collator.compare(a.value, b.value);
}

export function groupsOf(rows: readonly Run[], field: string, order = ""): Group[] {
  const byValue = new Map<string, Group & { key: Json | undefined }>();
  for (const run of rows) {
    const key = rawGroupValue(run, field);
    const value = isNone(key) ? NONE : formatValue(key!);
    let g = byValue.get(value);
    if (!g) byValue.set(value, (g = { id: `group:${value}`, value, runs: [], key }));
    g.runs.push(run);
  }
  const descending = order === `-${field}`;
  const sorted = [...byValue.values()].sort((a, b) => {
    const c = compareGroups(a, b);
    // "(none)" stays last either way.
    return descending && !isNone(a.key) && !isNone(b.key) ? -c : c;
  });
  return sorted.map(({ id, value, runs }) => ({ id, value, runs }));
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
  /** Each charted run's colour (runs hidden by their eye keep theirs). */
  colors: Map<string, string>;
}

/** The run set's order for colours: oldest first, so a run keeps its colour whatever the
 * table's sort; runs not loaded (a selection from a link) after, as given. */
function colorOrder(ids: readonly string[], byId: (id: string) => Run | undefined): string[] {
  const known = ids.filter((id) => byId(id));
  const unknown = ids.filter((id) => !byId(id));
  known.sort((a, b) => {
    const ra = byId(a)!.created_at;
    const rb = byId(b)!.created_at;
    return ra < rb ? -1 : ra > rb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
  return [...known, ...unknown];
}

export function chartRunsOf(
  rows: readonly Run[],
  groups: readonly Group[] | null,
  view: WorkspaceView,
  byId: (id: string) => Run | undefined,
  chosen: ReadonlyMap<string, string> = new Map(),
): ChartRuns {
  const n = view.chartRuns === "all" ? Infinity : view.chartRuns;
  if (groups) {
    const base = groups.slice(0, n).map((g) => g.id);
    const chosenGroups = pick(groups, view, base);
    const colors = new Map(groups.map((g) => [g.id, chosen.get(g.id) ?? groupColor(groups, g)]));
    const specs = chosenGroups.map((g) => ({
      id: g.id,
      label: `${g.value} (${g.runs.length})`,
      color: colors.get(g.id)!,
      runs: g.runs.slice(0, MAX_GROUP_MEMBERS).map((r) => r.id),
      group: true,
    }));
    return { specs, runIds: [...new Set(specs.flatMap((s) => s.runs))], shown: new Set(chosenGroups.map((g) => g.id)), colors };
  }
  // The table's filter (its first n rows), or its selection when runs are selected.
  const base = view.onlySelected ? view.selected : rows.slice(0, n).map((r) => r.id);
  const hidden = new Set(view.hidden);
  const set = [...new Set([...base, ...view.shown])];
  const colors = colorsByPosition(colorOrder(set, byId), chosen);
  const ids = set.filter((id) => !hidden.has(id));
  const specs = ids.map((id) => ({ id, label: runLabel(byId(id), id), color: colors.get(id)!, runs: [id], group: false }));
  return { specs, runIds: ids, shown: new Set(ids), colors };
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
