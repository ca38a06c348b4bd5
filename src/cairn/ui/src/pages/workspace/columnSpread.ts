/** Which config and summary keys tell the runs apart: the table shows, by default, the keys
 * whose value differs between runs (a key some runs lack differs too) and hides the ones
 * every run holds with the same value, which say nothing about any one run. */
import type { Json, Run } from "../../api/types";
import { flatOf } from "../../lib/flatten";

export interface ColumnSpread {
  /** Config keys (flat, without the `config.` prefix) that differ between runs. */
  config: string[];
  summary: string[];
  /** Fields (`config.k`, `summary.k`) that every run holds with one value, to that value
   * (internal `_` summary keys, such as `_step`, left out). */
  constant: Map<string, Json>;
}

/** Default columns at most, of each kind, so a wide sweep still leaves the table readable
 * (the column picker shows the rest). */
export const MAX_DEFAULT_PER_KIND = 8;

function spreadOfDocs(docs: readonly { [key: string]: Json }[], keys: readonly string[], prefix: string, constant: Map<string, Json>): string[] {
  const varying: string[] = [];
  const flats = docs.map((d) => flatOf(d));
  for (const key of keys) {
    let first: string | undefined;
    let differs = false;
    for (const flat of flats) {
      const v = flat.get(key);
      const text = v === undefined ? "\u0000missing" : JSON.stringify(v);
      if (first === undefined) first = text;
      else if (text !== first) {
        differs = true;
        break;
      }
    }
    if (differs) varying.push(key);
    else if (first !== undefined && flats.length && !(prefix === "summary" && key.startsWith("_"))) {
      const v = flats[0]!.get(key);
      if (v !== undefined) constant.set(`${prefix}.${key}`, v);
    }
  }
  return varying;
}

/** The spread of the keys over the runs loaded. With fewer than two runs nothing can
 * differ: every key counts as varying, so a lone run still shows its values. */
export function spreadOf(runs: readonly Run[], config: readonly string[], summary: readonly string[]): ColumnSpread {
  const constant = new Map<string, Json>();
  if (runs.length < 2) return { config: [...config], summary: [...summary], constant };
  return {
    config: spreadOfDocs(runs.map((r) => r.config), config, "config", constant),
    summary: spreadOfDocs(runs.map((r) => r.summary), summary, "summary", constant),
    constant,
  };
}

/** The table's default columns: the varying keys (internal `_` summary keys left out),
 * then, when asked, the constant ones. */
export function defaultColumns(spread: ColumnSpread, withConstant: boolean): string[] {
  const summaryShown = (k: string) => !k.startsWith("_");
  const cols = [
    ...spread.config.slice(0, MAX_DEFAULT_PER_KIND).map((k) => `config.${k}`),
    ...spread.summary.filter(summaryShown).slice(0, MAX_DEFAULT_PER_KIND).map((k) => `summary.${k}`),
  ];
  if (withConstant) cols.push(...spread.constant.keys());
  return cols;
}
