/** A panel's legend text from its template: `{run}` (the run's or group's label),
 * `{metric}`, `{id}`, `{group}`, and `{config.KEY}` / `{summary.KEY}` (nested keys with
 * dots) of the line's run; an unknown field reads as empty. */
import type { Run } from "../api/types";
import type { LineSpec } from "./lines";

function lookup(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const part of path) {
    if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function legendLabel(template: string, spec: LineSpec, metric: string, run: Run | undefined): string {
  return template.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    const field = name.trim();
    if (field === "run" || field === "name") return spec.label;
    if (field === "metric") return metric;
    if (field === "id") return spec.group ? spec.id : (spec.runs[0] ?? "");
    if (field === "group") return spec.group ? spec.label : text(run?.group);
    const [head, ...rest] = field.split(".");
    if (head === "config" || head === "summary") return text(lookup(run?.[head], rest));
    return "";
  });
}
