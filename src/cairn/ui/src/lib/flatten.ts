/** Nested config/summary objects as flat `a.b.c` keys, the form /columns and filters use. */
import type { Json } from "../api/types";

export type Flat = Map<string, Json>;

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function flatten(obj: { [key: string]: Json } | null | undefined, prefix = "", out: Flat = new Map()): Flat {
  if (!obj) return out;
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    // A logged medium ({"_type": "image-file", …}) is one value, not a subtree.
    if (isObject(v) && Object.keys(v).length && typeof v._type !== "string") flatten(v, key, out);
    else out.set(key, v);
  }
  return out;
}

const cache = new WeakMap<object, Flat>();

/** The flat view of a nested object, computed once per object. */
export function flatOf(obj: { [key: string]: Json } | null | undefined): Flat {
  if (!obj) return new Map();
  let flat = cache.get(obj);
  if (!flat) {
    flat = flatten(obj);
    cache.set(obj, flat);
  }
  return flat;
}

/** A field of a run by its table/filter name: `config.lr`, `summary.loss`, `name`, … */
export function fieldValue(
  run: { config: { [key: string]: Json }; summary: { [key: string]: Json } } & Record<string, unknown>,
  field: string,
): Json | undefined {
  if (field.startsWith("config.")) return flatOf(run.config).get(field.slice(7));
  if (field.startsWith("summary.")) return flatOf(run.summary).get(field.slice(8));
  const v = run[field];
  return v === undefined ? undefined : (v as Json);
}

/** A number for charts: numbers as they are, "Infinity" strings as infinities, bools as 0/1. */
export function numericValue(v: Json | undefined): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return null;
}
