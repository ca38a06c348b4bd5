/** The workspace's layout: sections of panels, each with its type, settings and size, as
 * saved in the store (server/workspaces.py checks the same shape), and the edits made to
 * it. Every edit is a pure function from one layout to the next, so undo is keeping the
 * old one.
 *
 * Automatic panels (one per metric, in sections by key prefix) stay the default for every
 * key nobody configured: a section with `auto: "train"` shows the automatic panels of
 * `train/*` after its own, and prefixes no section claims get sections of their own. A key
 * drawn by a configured panel (named exactly, not by a /regex/) or hidden has no automatic
 * panel. Editing an automatic panel first turns it into a configured one ("materialise"). */
import type { Section } from "../lib/sections";
import { cleanOptions, type PanelOptions } from "./panels/options";

export type PanelType =
  | "line" | "bar" | "scatter" | "parallel" | "markdown" | "comparer" | "importance"
  | "media" | "histogram" | "vega";
export type SmoothingKind = "none" | "ema" | "running" | "gaussian";
export type Aggregate = "mean" | "median" | "min" | "max";
export type Band = "minmax" | "stddev" | "stderr" | "none";

/** A line panel's own settings; what is absent follows the workspace's toolbar. */
export interface LineSettings {
  title?: string;
  /** Metric keys, or /regex/ matching keys. */
  metrics?: string[];
  x?: string;
  smoothing?: { kind: SmoothingKind; amount: number };
  yMin?: number | null;
  yMax?: number | null;
  logX?: boolean;
  logY?: boolean;
  /** Scale the y axis to the 5th–95th percentile of the values (spikes go off the chart). */
  ignoreOutliers?: boolean;
  maxRuns?: number | null;
  aggregate?: Aggregate;
  band?: Band;
  /** Legend text: {run}, {metric}, {id}, {group}, {config.KEY}, {summary.KEY}. */
  legend?: string;
  /** A markdown panel's text. */
  text?: string;
  /** The settings of a field panel (bar, scatter, parallel, comparer, importance). */
  options?: PanelOptions;
  /** The logged key a media, histogram or Vega panel shows (charts/panels/). */
  mediaKey?: string;
  /** A Vega panel's own Vega-Lite spec (JSON text), used instead of the logged one. */
  spec?: string;
}

export interface PanelLayout {
  id: string;
  type: PanelType;
  /** Columns spanned (1..MAX_W) and height in rows (1..MAX_H). */
  w?: number;
  h?: number;
  settings: LineSettings;
}

export interface SectionLayout {
  id: string;
  name: string;
  collapsed?: boolean;
  /** The key prefix whose automatic panels this section shows after its own. */
  auto?: string | null;
  panels: PanelLayout[];
}

export interface Layout {
  sections: SectionLayout[];
  hidden?: string[];
  colors?: Record<string, string>;
}

export const MAX_W = 4;
export const MAX_H = 6;
export const DEFAULT_W = 1;
export const DEFAULT_H = 2;
/** Pixels of chart per height row. */
export const ROW_PX = 110;

/** A panel as shown: configured, or automatic (one metric key, not in the layout). */
export interface ShownPanel {
  id: string;
  type: PanelType;
  w: number;
  h: number;
  settings: LineSettings;
  /** The metric this automatic panel draws; null for a configured panel. */
  autoKey: string | null;
}

export interface ShownSection {
  id: string;
  name: string;
  collapsed: boolean;
  /** False for a section of automatic panels that is not in the layout yet. */
  inLayout: boolean;
  panels: ShownPanel[];
}

export const AUTO_SECTION = "auto:";
/** Sections open by default; with hundreds of prefixes, the rest start closed. */
const OPEN_SECTIONS = 8;

let counter = 0;

/** A fresh id (letters, digits and `-`, as the store wants). */
export function newId(prefix: string): string {
  counter = (counter + 1) % 1e6;
  return `${prefix}-${Date.now().toString(36)}${counter.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function isRegex(pattern: string): boolean {
  return pattern.length > 2 && pattern.startsWith("/") && pattern.endsWith("/");
}

/** The keys a panel's metric list names, in its order: exact keys as given (when
 * logged), then every key a /regex/ matches. */
export function resolveMetrics(patterns: readonly string[], keys: readonly string[]): string[] {
  const out = new Set<string>();
  const known = new Set(keys);
  for (const p of patterns) {
    if (isRegex(p)) {
      let re: RegExp | null = null;
      try {
        re = new RegExp(p.slice(1, -1));
      } catch {
        re = null;
      }
      if (re) for (const k of keys) if (re.test(k)) out.add(k);
    } else if (known.has(p) || !keys.length) {
      out.add(p);
    }
  }
  return [...out];
}

/** Keys drawn by configured panels that name them exactly. */
function coveredKeys(layout: Layout): Set<string> {
  const out = new Set<string>();
  for (const s of layout.sections)
    for (const p of s.panels) for (const m of p.settings.metrics ?? []) if (!isRegex(m)) out.add(m);
  return out;
}

function shownPanel(p: PanelLayout): ShownPanel {
  return { id: p.id, type: p.type, w: p.w ?? DEFAULT_W, h: p.h ?? DEFAULT_H, settings: p.settings, autoKey: null };
}

function autoPanel(key: string): ShownPanel {
  return { id: `${AUTO_SECTION}${key}`, type: "line", w: DEFAULT_W, h: DEFAULT_H, settings: { metrics: [key] }, autoKey: key };
}

function matchesSearch(p: PanelLayout, search: ((k: string) => boolean) | null): boolean {
  if (!search) return true;
  return (p.settings.title !== undefined && search(p.settings.title)) || (p.settings.metrics ?? []).some(search);
}

/** What the workspace shows: the layout's sections (their configured panels, then the
 * automatic panels of their prefix), then sections for prefixes no section claims.
 * `sections` are the automatic sections of the metrics (already narrowed by the panel
 * search, which `search` also applies to configured panels). */
export function shownSections(
  layout: Layout | null,
  sections: readonly Section[],
  search: ((k: string) => boolean) | null = null,
): ShownSection[] {
  const hidden = new Set(layout?.hidden ?? []);
  const covered = layout ? coveredKeys(layout) : new Set<string>();
  const autoKeys = (s: Section) => s.keys.filter((k) => !hidden.has(k) && !covered.has(k)).map(autoPanel);
  const byName = new Map(sections.map((s) => [s.name, s]));
  const out: ShownSection[] = [];
  const claimed = new Set<string>();
  for (const s of layout?.sections ?? []) {
    const auto = s.auto ? byName.get(s.auto) : undefined;
    if (s.auto) claimed.add(s.auto);
    const panels = [...s.panels.filter((p) => matchesSearch(p, search)).map(shownPanel), ...(auto ? autoKeys(auto) : [])];
    // A section with nothing to show (its keys all hidden, or none matches the search)
    // stays out; an empty section made by hand stays, to be filled.
    if (!panels.length && (search || s.auto)) continue;
    out.push({ id: s.id, name: s.name, collapsed: !!s.collapsed, inLayout: true, panels });
  }
  for (const s of sections) {
    if (claimed.has(s.name)) continue;
    const panels = autoKeys(s);
    if (!panels.length) continue;
    out.push({ id: `${AUTO_SECTION}${s.name}`, name: s.name, collapsed: out.length >= OPEN_SECTIONS, inLayout: false, panels });
  }
  return out;
}

/** The layout the workspace starts from when none is saved: a section per prefix. */
export function baseLayout(sections: readonly Section[]): Layout {
  return {
    sections: sections.map((s, i) => ({ id: newId("s"), name: s.name, auto: s.name, collapsed: i >= OPEN_SECTIONS, panels: [] })),
    hidden: [],
  };
}

// ---- edits: each returns a new layout ------------------------------------------------------

function mapSections(layout: Layout, fn: (s: SectionLayout) => SectionLayout): Layout {
  return { ...layout, sections: layout.sections.map(fn) };
}

/** The section's id in the layout, adding it (for an automatic section not in it yet). */
export function claimSection(layout: Layout, sectionId: string): [Layout, string] {
  if (!sectionId.startsWith(AUTO_SECTION)) return [layout, sectionId];
  const name = sectionId.slice(AUTO_SECTION.length);
  const found = layout.sections.find((s) => s.auto === name);
  if (found) return [layout, found.id];
  const id = newId("s");
  return [{ ...layout, sections: [...layout.sections, { id, name, auto: name, panels: [] }] }, id];
}

export function addSection(layout: Layout, name: string): [Layout, string] {
  const id = newId("s");
  return [{ ...layout, sections: [{ id, name, panels: [] }, ...layout.sections] }, id];
}

export function renameSection(layout: Layout, sectionId: string, name: string): Layout {
  const [claimed, id] = claimSection(layout, sectionId);
  return mapSections(claimed, (s) => (s.id === id ? { ...s, name } : s));
}

export function setCollapsed(layout: Layout, sectionId: string, collapsed: boolean): Layout {
  const [claimed, id] = claimSection(layout, sectionId);
  return mapSections(claimed, (s) => (s.id === id ? { ...s, collapsed } : s));
}

/** Move a section up (-1) or down (+1) among the shown ones. */
export function moveSection(layout: Layout, shown: readonly ShownSection[], sectionId: string, delta: number): Layout {
  const at = shown.findIndex((s) => s.id === sectionId);
  const to = at + delta;
  if (at < 0 || to < 0 || to >= shown.length) return layout;
  // Every shown section into the layout, in the shown order, then the swap.
  let next = layout;
  const ids: string[] = [];
  for (const s of shown) {
    let id: string;
    [next, id] = claimSection(next, s.id);
    ids.push(id);
  }
  [ids[at], ids[to]] = [ids[to]!, ids[at]!];
  const byId = new Map(next.sections.map((s) => [s.id, s]));
  const rest = next.sections.filter((s) => !ids.includes(s.id));
  return { ...next, sections: [...ids.map((id) => byId.get(id)!), ...rest] };
}

export function removeSection(layout: Layout, sectionId: string): Layout {
  return { ...layout, sections: layout.sections.filter((s) => s.id !== sectionId) };
}

/** A configured panel for an automatic one (same place, same metric); its id. */
export function materialise(layout: Layout, sectionId: string, panel: ShownPanel): [Layout, string] {
  if (panel.autoKey === null) return [layout, panel.id];
  const [claimed, sid] = claimSection(layout, sectionId);
  const id = newId("p");
  const made: PanelLayout = { id, type: "line", w: panel.w, h: panel.h, settings: { metrics: [panel.autoKey] } };
  return [mapSections(claimed, (s) => (s.id === sid ? { ...s, panels: [...s.panels, made] } : s)), id];
}

function findPanel(layout: Layout, panelId: string): [number, number] | null {
  for (let i = 0; i < layout.sections.length; i++) {
    const j = layout.sections[i]!.panels.findIndex((p) => p.id === panelId);
    if (j >= 0) return [i, j];
  }
  return null;
}

export function addPanel(layout: Layout, sectionId: string, panel: Omit<PanelLayout, "id">): [Layout, string] {
  const [claimed, sid] = claimSection(layout, sectionId);
  const id = newId("p");
  return [mapSections(claimed, (s) => (s.id === sid ? { ...s, collapsed: false, panels: [...s.panels, { ...panel, id }] } : s)), id];
}

export function removePanel(layout: Layout, panel: ShownPanel): Layout {
  if (panel.autoKey !== null) return { ...layout, hidden: [...new Set([...(layout.hidden ?? []), panel.autoKey])] };
  return mapSections(layout, (s) => ({ ...s, panels: s.panels.filter((p) => p.id !== panel.id) }));
}

export function duplicatePanel(layout: Layout, sectionId: string, panel: ShownPanel): Layout {
  const [next, id] = materialise(layout, sectionId, panel);
  const at = findPanel(next, id);
  if (!at) return layout;
  const [i, j] = at;
  const original = next.sections[i]!.panels[j]!;
  const copy: PanelLayout = { ...original, id: newId("p"), settings: { ...original.settings } };
  return mapSections(next, (s) => (s === next.sections[i] ? { ...s, panels: [...s.panels.slice(0, j + 1), copy, ...s.panels.slice(j + 1)] } : s));
}

export function updatePanel(layout: Layout, sectionId: string, panel: ShownPanel, change: Partial<Omit<PanelLayout, "id">>): Layout {
  const [next, id] = materialise(layout, sectionId, panel);
  return mapSections(next, (s) => ({
    ...s,
    panels: s.panels.map((p) => (p.id === id ? { ...p, ...change, settings: change.settings ?? p.settings } : p)),
  }));
}

export function resizePanel(layout: Layout, sectionId: string, panel: ShownPanel, w: number, h: number): Layout {
  const clamp = (v: number, hi: number) => Math.max(1, Math.min(hi, Math.round(v)));
  return updatePanel(layout, sectionId, panel, { w: clamp(w, MAX_W), h: clamp(h, MAX_H) });
}

/** Put a panel at `index` among the configured panels of a section (drag and drop, or
 * one place up or down). */
export function movePanel(layout: Layout, fromSection: string, panel: ShownPanel, toSection: string, index: number): Layout {
  let [next, id] = materialise(layout, fromSection, panel);
  let target: string;
  [next, target] = claimSection(next, toSection);
  const at = findPanel(next, id);
  if (!at) return layout;
  const moving = next.sections[at[0]]!.panels[at[1]]!;
  const without = mapSections(next, (s) => ({ ...s, panels: s.panels.filter((p) => p.id !== id) }));
  return mapSections(without, (s) => {
    if (s.id !== target) return s;
    const i = Math.max(0, Math.min(s.panels.length, index));
    return { ...s, panels: [...s.panels.slice(0, i), moving, ...s.panels.slice(i)] };
  });
}

/** The index a panel has among its section's configured panels (-1: automatic). */
export function configuredIndex(layout: Layout, sectionId: string, panelId: string): number {
  const s = layout.sections.find((x) => x.id === sectionId);
  return s ? s.panels.findIndex((p) => p.id === panelId) : -1;
}

export function setRunColor(layout: Layout, runId: string, color: string | null): Layout {
  const colors = { ...(layout.colors ?? {}) };
  if (color === null) delete colors[runId];
  else colors[runId] = color;
  return { ...layout, colors };
}

/** Undo and redo over layouts: a bounded past and the future that undo made. */
export class LayoutHistory {
  private past: (Layout | null)[] = [];
  private future: (Layout | null)[] = [];

  constructor(private readonly limit = 100) {}

  push(previous: Layout | null): void {
    this.past.push(previous);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }

  undo(current: Layout | null): Layout | null | undefined {
    if (!this.past.length) return undefined;
    this.future.push(current);
    return this.past.pop();
  }

  redo(current: Layout | null): Layout | null | undefined {
    if (!this.future.length) return undefined;
    this.past.push(current);
    return this.future.pop();
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }
}

// ---- reading a layout from elsewhere -------------------------------------------------------

const PANEL_TYPES: readonly PanelType[] = [
  "line", "bar", "scatter", "parallel", "markdown", "comparer", "importance", "media", "histogram", "vega",
];
const SMOOTHINGS: readonly SmoothingKind[] = ["none", "ema", "running", "gaussian"];
const AGGREGATES: readonly Aggregate[] = ["mean", "median", "min", "max"];
const BANDS: readonly Band[] = ["minmax", "stddev", "stderr", "none"];

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => !!v && typeof v === "object" && !Array.isArray(v);
const text = (v: unknown) => (typeof v === "string" ? v : undefined);
const finite = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const flag = (v: unknown) => (typeof v === "boolean" ? v : undefined);
const oneOf = <T extends string>(v: unknown, options: readonly T[]) => (options.includes(v as T) ? (v as T) : undefined);

function cleanSettings(raw: unknown): LineSettings {
  const s = isObject(raw) ? raw : {};
  const smoothing = isObject(s.smoothing) ? s.smoothing : null;
  const kind = smoothing && oneOf(smoothing.kind, SMOOTHINGS);
  const amount = smoothing && finite(smoothing.amount);
  const out: LineSettings = {
    title: text(s.title),
    metrics: Array.isArray(s.metrics) ? s.metrics.filter((m): m is string => typeof m === "string") : undefined,
    x: text(s.x),
    smoothing: kind && amount !== undefined && amount !== null ? { kind, amount } : undefined,
    yMin: finite(s.yMin),
    yMax: finite(s.yMax),
    logX: flag(s.logX),
    logY: flag(s.logY),
    ignoreOutliers: flag(s.ignoreOutliers),
    maxRuns: finite(s.maxRuns),
    aggregate: oneOf(s.aggregate, AGGREGATES),
    band: oneOf(s.band, BANDS),
    legend: text(s.legend),
    text: text(s.text),
    options: cleanOptions(s.options),
    mediaKey: text(s.mediaKey),
    spec: text(s.spec),
  };
  for (const key of Object.keys(out) as (keyof LineSettings)[]) if (out[key] === undefined) delete out[key];
  return out;
}

const cells = (v: unknown, hi: number) => {
  const n = finite(v);
  return n === undefined ? undefined : Math.max(1, Math.min(hi, Math.round(n)));
};

/** A layout as the app can draw it, from whatever a store, a view or a link held: fields
 * of the wrong type are dropped, not trusted (null when it is no layout at all). */
export function cleanLayout(raw: unknown): Layout | null {
  if (!isObject(raw) || !Array.isArray(raw.sections)) return null;
  const sections: SectionLayout[] = [];
  for (const s of raw.sections) {
    if (!isObject(s) || typeof s.id !== "string" || typeof s.name !== "string") continue;
    const panels: PanelLayout[] = [];
    for (const p of Array.isArray(s.panels) ? s.panels : []) {
      const type = isObject(p) ? oneOf(p.type, PANEL_TYPES) : undefined;
      if (!isObject(p) || typeof p.id !== "string" || !type) continue;
      const panel: PanelLayout = { id: p.id, type, settings: cleanSettings(p.settings) };
      const w = cells(p.w, MAX_W);
      const h = cells(p.h, MAX_H);
      if (w !== undefined) panel.w = w;
      if (h !== undefined) panel.h = h;
      panels.push(panel);
    }
    sections.push({ id: s.id, name: s.name, collapsed: s.collapsed === true, auto: text(s.auto) ?? null, panels });
  }
  const hidden = Array.isArray(raw.hidden) ? raw.hidden.filter((k): k is string => typeof k === "string") : [];
  const layout: Layout = { sections, hidden };
  if (isObject(raw.colors)) {
    layout.colors = Object.fromEntries(
      Object.entries(raw.colors).filter((e): e is [string, string] => typeof e[1] === "string" && /^#[0-9a-fA-F]{6}$/.test(e[1])),
    );
  }
  return layout;
}
