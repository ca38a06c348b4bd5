/** Metric keys grouped into panel sections by their prefix: `train/loss` and `train.loss`
 * both go to "train"; keys without a prefix to "Charts". */
import type { ProjectMetric } from "../api/types";

export const DEFAULT_SECTION = "Charts";

export function sectionOf(key: string): string {
  const m = /^([^/.]+)[/.]./.exec(key);
  return m?.[1] ?? DEFAULT_SECTION;
}

export function isChartable(m: { key: string; kind: string }): boolean {
  return m.kind !== "o" && !m.key.startsWith("_");
}

export interface Section {
  name: string;
  keys: string[];
}

/** What the panel search matches: text (case-insensitive) or a /regex/; null for none. */
export function keyMatcher(search: string): ((k: string) => boolean) | null {
  const needle = search.trim().toLowerCase();
  if (!needle) return null;
  if (needle.length > 1 && needle.startsWith("/") && needle.endsWith("/")) {
    try {
      const re = new RegExp(search.trim().slice(1, -1), "i");
      return (k) => re.test(k);
    } catch {
      // not a valid regular expression: plain substring
    }
  }
  return (k) => k.toLowerCase().includes(needle);
}

export function sectionsOf(metrics: readonly ProjectMetric[], search: string): Section[] {
  const needle = search.trim().toLowerCase();
  const match = keyMatcher(search) ?? (() => true);
  const bySection = new Map<string, string[]>();
  for (const m of metrics) {
    if (!isChartable(m) || (needle && !match(m.key))) continue;
    const name = sectionOf(m.key);
    let keys = bySection.get(name);
    if (!keys) bySection.set(name, (keys = []));
    keys.push(m.key);
  }
  const names = [...bySection.keys()].sort((a, b) =>
    a === DEFAULT_SECTION ? -1 : b === DEFAULT_SECTION ? 1 : a.localeCompare(b),
  );
  return names.map((name) => ({ name, keys: bySection.get(name) ?? [] }));
}
