/** Numbers as the API sends them (NaN as null, infinities as strings) to JS numbers. */
import type { WireNumber } from "./types";

export function wireNumber(v: WireNumber | undefined): number {
  if (typeof v === "number") return v;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return NaN;
}

export function wireArray(values: readonly WireNumber[] | undefined, length: number): Float64Array {
  const out = new Float64Array(length);
  if (!values) return out.fill(NaN);
  for (let i = 0; i < length; i++) out[i] = wireNumber(values[i]);
  return out;
}
