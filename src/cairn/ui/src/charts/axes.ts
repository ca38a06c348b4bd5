/** The x axes a chart can have, and how their ticks and values read. */
import { formatDuration, formatNumber } from "../lib/format";

export type XKind = "step" | "runtime" | "time" | "metric";

export function xKindOf(x: string): XKind {
  if (x === "_step") return "step";
  if (x === "_runtime") return "runtime";
  if (x === "_timestamp") return "time";
  return "metric";
}

export function xLabel(x: string): string {
  if (x === "_step") return "Step";
  if (x === "_runtime") return "Relative time";
  if (x === "_timestamp") return "Wall time";
  return x;
}

/** Short tick labels: 1.5k, 20k, 3M; small numbers with few digits. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e15 || a < 1e-4) return v.toExponential(1);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}B`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return String(+v.toPrecision(4));
}

/** The x value of the cursor, as the tooltip shows it. */
export function formatX(kind: XKind, v: number): string {
  if (kind === "time") return new Date(v * 1000).toLocaleString();
  if (kind === "runtime") return formatDuration(v);
  if (kind === "step") return `step ${formatNumber(Math.round(v))}`;
  return formatNumber(v);
}

export function runtimeTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 120) return `${+v.toPrecision(3)}s`;
  if (a < 7200) return `${+(v / 60).toPrecision(3)}m`;
  if (a < 172800) return `${+(v / 3600).toPrecision(3)}h`;
  return `${+(v / 86400).toPrecision(3)}d`;
}
