/** The settings of the panels that chart runs' config and summary fields (bar, scatter,
 * parallel coordinates, run comparer, parameter importance), kept in a panel's
 * `settings.options` and cleaned like the rest of a layout read from elsewhere. */

export type FieldPanelType = "bar" | "scatter" | "parallel" | "comparer" | "importance";
export const FIELD_PANEL_TYPES: readonly FieldPanelType[] = ["bar", "scatter", "parallel", "comparer", "importance"];

export const FIELD_PANEL_NAMES: Record<FieldPanelType, string> = {
  bar: "Bar",
  scatter: "Scatter",
  parallel: "Parallel coordinates",
  comparer: "Run comparer",
  importance: "Parameter importance",
};

export type BarSort = "desc" | "asc" | "none";

export interface PanelOptions {
  /** Bar: the field charted per run; importance: the metric. */
  field?: string;
  sort?: BarSort;
  /** Scatter axes and the field points are coloured by (absent: the run's colour). */
  x?: string;
  y?: string;
  color?: string;
  logX?: boolean;
  logY?: boolean;
  /** Parallel coordinates: the axes, left to right, and those on a log scale. */
  fields?: string[];
  logFields?: string[];
  /** Run comparer: only the rows whose values differ. */
  onlyDiffs?: boolean;
}

export function isFieldPanel(type: string): type is FieldPanelType {
  return (FIELD_PANEL_TYPES as readonly string[]).includes(type);
}

type Loose = Record<string, unknown>;
const MAX_FIELDS = 60;
const MAX_FIELD_CHARS = 500;

const field = (v: unknown) => (typeof v === "string" && v.length <= MAX_FIELD_CHARS ? v : undefined);
const flag = (v: unknown) => (typeof v === "boolean" ? v : undefined);
const fields = (v: unknown) =>
  Array.isArray(v) ? v.filter((f): f is string => typeof f === "string" && f.length <= MAX_FIELD_CHARS).slice(0, MAX_FIELDS) : undefined;

/** The options as the app can use them: fields of the wrong type dropped. */
export function cleanOptions(raw: unknown): PanelOptions | undefined {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const o = raw as Loose;
  const out: PanelOptions = {
    field: field(o.field),
    sort: o.sort === "desc" || o.sort === "asc" || o.sort === "none" ? o.sort : undefined,
    x: field(o.x),
    y: field(o.y),
    color: field(o.color),
    logX: flag(o.logX),
    logY: flag(o.logY),
    fields: fields(o.fields),
    logFields: fields(o.logFields),
    onlyDiffs: flag(o.onlyDiffs),
  };
  for (const key of Object.keys(out) as (keyof PanelOptions)[]) if (out[key] === undefined) delete out[key];
  return out;
}

/** The fields a panel reads from each run (what its runs are fetched with); null: whole
 * config and summary documents (the comparer and importance read every key). */
export function fieldsOf(type: FieldPanelType, o: PanelOptions, group: string | null): string[] | null {
  if (type === "comparer" || type === "importance") return null;
  const out: (string | undefined)[] = [];
  if (type === "bar") out.push(o.field);
  if (type === "scatter") out.push(o.x, o.y, o.color);
  if (type === "parallel") out.push(...(o.fields ?? []));
  if (group && (group.startsWith("config.") || group.startsWith("summary."))) out.push(group);
  return [...new Set(out.filter((f): f is string => !!f && (f.startsWith("config.") || f.startsWith("summary."))))];
}

const short = (field: string | undefined) => (field ?? "?").replace(/^(config|summary)\./, "");

/** The size a new panel of the type gets (wide ones for many axes or runs side by side). */
export function newPanelSize(type: string): { w?: number; h?: number } {
  return type === "parallel" || type === "comparer" ? { w: 2, h: 3 } : {};
}

/** A field panel's title when it has none of its own. */
export function defaultTitle(type: FieldPanelType, o: PanelOptions | undefined): string {
  const opts = o ?? {};
  if (type === "bar") return opts.field ? short(opts.field) : "Bar";
  if (type === "scatter") return opts.x && opts.y ? `${short(opts.y)} against ${short(opts.x)}` : "Scatter";
  if (type === "importance") return opts.field ? `Parameter importance for ${short(opts.field)}` : "Parameter importance";
  return FIELD_PANEL_NAMES[type];
}
