/** How numbers, times and durations read in tables, tooltips and axes. */
import type { Json } from "../api/types";

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "∞";
  if (v === -Infinity) return "−∞";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return Number(v.toPrecision(5)).toString();
}

/** A logged medium in a table cell or a summary: its type and what says most about it. */
function mediaText(v: { [key: string]: Json }): string {
  if (v._type === "images/separated" && typeof v.count === "number") {
    // a list of images, stored in wandb's shape: read as a list of images reads
    return `${v.count} × ${mediaText({ ...v, _type: "image-file" })}`;
  }
  const kind = String(v._type).replace(/-file$/, "").replace(/^incremental-/, "");
  if (typeof v.width === "number" && typeof v.height === "number") return `${kind} ${v.width}×${v.height}`;
  if (typeof v.nrows === "number") return `${kind} ${v.nrows} rows`;
  return kind;
}

const MAX_TEXT = 200;

function isMedium(v: Json): v is { [key: string]: Json } {
  return v !== null && typeof v === "object" && !Array.isArray(v) && typeof v._type === "string";
}

/** Any config/summary value as short text: a list of media as their count and kind, long
 * JSON cut at 200 characters. */
export function formatValue(v: Json | undefined): string {
  if (v === undefined) return "";
  if (v === null) return "null";
  if (typeof v === "number") return formatNumber(v);
  if (v === "Infinity") return "∞";
  if (v === "-Infinity") return "−∞";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (isMedium(v)) return mediaText(v);
  if (Array.isArray(v) && v.length && v.every(isMedium)) {
    const first = mediaText(v[0] as { [key: string]: Json });
    const same = v.every((m) => (m as { [key: string]: Json })._type === (v[0] as { [key: string]: Json })._type);
    return same ? `${v.length} × ${first}` : `${v.length} media`;
  }
  const text = JSON.stringify(v);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${sec}s`;
  return `${sec}s`;
}

export function formatTime(unix: number | null | undefined): string {
  if (unix == null) return "–";
  const d = new Date(unix * 1000);
  return d.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

export function formatAgo(unix: number | null | undefined, now = Date.now() / 1000): string {
  if (unix == null) return "–";
  const dt = Math.max(0, now - unix);
  if (dt < 45) return "just now";
  if (dt < 3600) return `${Math.round(dt / 60)} min ago`;
  if (dt < 86400) return `${Math.round(dt / 3600)} h ago`;
  if (dt < 86400 * 30) return `${Math.round(dt / 86400)} d ago`;
  return formatTime(unix);
}

/** A run's duration: until it finished, or until its last sign of life. */
export function runDuration(run: {
  created_at: number; finished_at: number | null; heartbeat_at: number | null; updated_at: number | null; state: string;
}): number | null {
  const end = run.finished_at ?? (run.state === "running" ? Date.now() / 1000 : run.heartbeat_at ?? run.updated_at);
  return end == null ? null : end - run.created_at;
}
