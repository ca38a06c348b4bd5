/** The runs table's column widths the user dragged, per project, kept in the browser
 * (localStorage) so they survive reloads. */
import { useState } from "preact/hooks";

export const MIN_COLUMN = 48;
export const MAX_COLUMN = 800;
/** Widths kept per project at most (the oldest go first). */
const MAX_KEPT = 500;

const storageKey = (entity: string, project: string) => `cairn.colwidths.${entity}/${project}`;

function read(key: string): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key) ?? "{}");
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    const out: Record<string, number> = {};
    for (const [id, w] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof w === "number" && Number.isFinite(w)) out[id] = clampWidth(w);
    }
    return out;
  } catch {
    return {}; // unreadable (hand-edited, or storage off): default widths
  }
}

export const clampWidth = (w: number) => Math.round(Math.min(MAX_COLUMN, Math.max(MIN_COLUMN, w)));

/** The widths, and a setter (null: back to the default width). */
export function useColumnWidths(entity: string, project: string): [Readonly<Record<string, number>>, (id: string, w: number | null) => void] {
  const key = storageKey(entity, project);
  const [widths, setWidths] = useState(() => read(key));
  const set = (id: string, w: number | null) => {
    setWidths((old) => {
      const next = { ...old };
      delete next[id];
      if (w !== null) next[id] = clampWidth(w);
      const ids = Object.keys(next);
      for (const drop of ids.slice(0, Math.max(0, ids.length - MAX_KEPT))) delete next[drop];
      try {
        localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // not remembered
      }
      return next;
    });
  };
  return [widths, set];
}
