/** The filter query builder's rows (field, operator, value) and the Mongo-style `filters`
 * JSON of docs/api.md, both ways, so the URL can hold the JSON and the builder edit it. */
import type { Json } from "../api/types";

export const OPERATORS = [
  { op: "$eq", label: "=" },
  { op: "$ne", label: "≠" },
  { op: "$lt", label: "<" },
  { op: "$lte", label: "≤" },
  { op: "$gt", label: ">" },
  { op: "$gte", label: "≥" },
  { op: "$in", label: "in" },
  { op: "$nin", label: "not in" },
  { op: "$regex", label: "matches" },
  { op: "$exists", label: "exists" },
] as const;

export type Operator = (typeof OPERATORS)[number]["op"];

export interface FilterRow {
  field: string;
  op: Operator;
  value: string;
}

export type Filters = { [key: string]: Json };

const OPS = new Set<string>(OPERATORS.map((o) => o.op));

/** Text typed in the value box as a JSON value: numbers, true/false/null, else a string
 * ("quotes" force a string). */
export function parseValue(text: string): Json {
  const t = text.trim();
  if (/^".*"$/.test(t)) return t.slice(1, -1);
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "null") return null;
  if (t !== "" && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return t;
}

function showValue(v: Json): string {
  if (typeof v === "string") return /^[-+]?[\d.]+([eE][-+]?\d+)?$|^(true|false|null)$/.test(v) ? `"${v}"` : v;
  return v === null ? "null" : String(v);
}

function condition(row: FilterRow): Json {
  switch (row.op) {
    case "$in":
    case "$nin":
      return { [row.op]: row.value.split(",").filter((s) => s.trim() !== "").map(parseValue) };
    case "$exists":
      return { $exists: row.value.trim() !== "false" };
    case "$regex":
      return { $regex: row.value };
    default:
      return { [row.op]: parseValue(row.value) };
  }
}

export function isComplete(row: FilterRow): boolean {
  return row.field.trim() !== "" && (row.op === "$exists" || row.value.trim() !== "");
}

export function rowsToFilters(rows: readonly FilterRow[]): Filters | null {
  const parts = rows.filter(isComplete).map((r) => ({ [r.field.trim()]: condition(r) }));
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0] as Filters;
  return { $and: parts };
}

function rowOf(field: string, cond: Json): FilterRow | null {
  if (field.startsWith("$")) return null;
  if (typeof cond !== "object" || cond === null || Array.isArray(cond)) {
    return { field, op: "$eq", value: showValue(cond) };
  }
  const entries = Object.entries(cond);
  if (entries.length !== 1) return null;
  const [op, v] = entries[0] as [string, Json];
  if (!OPS.has(op)) return null;
  if (op === "$in" || op === "$nin") {
    return Array.isArray(v) ? { field, op: op as Operator, value: v.map(showValue).join(", ") } : null;
  }
  if (op === "$exists") return { field, op: "$exists", value: v === false ? "false" : "true" };
  if (op === "$regex") return { field, op: "$regex", value: String(v) };
  return { field, op: op as Operator, value: showValue(v) };
}

/** The rows of a filter the builder can show, or null for one it cannot (e.g. `$or`). */
export function filtersToRows(filters: Filters | null): FilterRow[] | null {
  if (!filters) return [];
  const parts: [string, Json][] = [];
  for (const [k, v] of Object.entries(filters)) {
    if (k === "$and" && Array.isArray(v)) {
      for (const p of v) {
        if (typeof p !== "object" || p === null || Array.isArray(p)) return null;
        parts.push(...(Object.entries(p) as [string, Json][]));
      }
    } else parts.push([k, v]);
  }
  const rows: FilterRow[] = [];
  for (const [field, cond] of parts) {
    const row = rowOf(field, cond);
    if (!row) return null;
    rows.push(row);
  }
  return rows;
}

export function parseFilters(text: string | null): Filters | null {
  if (!text) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Filters) : null;
  } catch {
    return null;
  }
}
