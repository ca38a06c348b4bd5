/** The settings dialog of a line panel: title, metrics (keys or /regex/), x axis,
 * smoothing, y range, log axes, outliers, max runs, group aggregation and band, legend
 * template. Empty fields follow the workspace's toolbar. */
import { useEffect, useRef, useState } from "preact/hooks";
import { xLabel } from "./axes";
import type { Aggregate, Band, LineSettings, SmoothingKind } from "./layout";

interface Props {
  title: string;
  settings: LineSettings;
  /** Metric keys to offer (and x axes). */
  keys: readonly string[];
  onSave: (settings: LineSettings) => void;
  onClose: () => void;
}

const SMOOTHING: Record<SmoothingKind, string> = {
  none: "None",
  ema: "Exponential moving average (weight 0–0.99)",
  running: "Running average (window, in x units)",
  gaussian: "Gaussian (sigma, in x units)",
};

function numberOrNull(text: string): number | null {
  if (text.trim() === "") return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

type Form = {
  title: string;
  metrics: string;
  x: string;
  smoothing: SmoothingKind | "";
  amount: string;
  yMin: string;
  yMax: string;
  logX: boolean;
  logY: "" | "on" | "off";
  ignoreOutliers: boolean;
  maxRuns: string;
  aggregate: Aggregate;
  band: Band;
  legend: string;
};

function formOf(s: LineSettings): Form {
  return {
    title: s.title ?? "",
    metrics: (s.metrics ?? []).join("\n"),
    x: s.x ?? "",
    smoothing: s.smoothing?.kind ?? "",
    amount: s.smoothing ? String(s.smoothing.amount) : "",
    yMin: s.yMin == null ? "" : String(s.yMin),
    yMax: s.yMax == null ? "" : String(s.yMax),
    logX: !!s.logX,
    logY: s.logY === undefined ? "" : s.logY ? "on" : "off",
    ignoreOutliers: !!s.ignoreOutliers,
    maxRuns: s.maxRuns == null ? "" : String(s.maxRuns),
    aggregate: s.aggregate ?? "mean",
    band: s.band ?? "minmax",
    legend: s.legend ?? "",
  };
}

/** The settings a form says, leaving out what follows the workspace; or an error. */
export function settingsOf(f: Form, base: LineSettings): LineSettings | string {
  const metrics = f.metrics
    .split(/\n|,/)
    .map((m) => m.trim())
    .filter(Boolean);
  if (!metrics.length) return "Name at least one metric (or a /regex/).";
  for (const m of metrics) {
    if (m.length > 2 && m.startsWith("/") && m.endsWith("/")) {
      try {
        new RegExp(m.slice(1, -1));
      } catch {
        return `${m} is not a valid regular expression.`;
      }
    }
  }
  const out: LineSettings = { ...base, metrics };
  const set = <K extends keyof LineSettings>(key: K, value: LineSettings[K] | undefined) => {
    if (value === undefined) delete out[key];
    else out[key] = value;
  };
  set("title", f.title.trim() || undefined);
  set("x", f.x || undefined);
  if (f.smoothing) {
    const amount = Number(f.amount || 0);
    if (!Number.isFinite(amount) || amount < 0) return "Smoothing needs a number of 0 or more.";
    if (f.smoothing === "ema" && amount >= 1) return "EMA weight must be below 1.";
    set("smoothing", { kind: f.smoothing, amount });
  } else set("smoothing", undefined);
  const yMin = numberOrNull(f.yMin);
  const yMax = numberOrNull(f.yMax);
  if (f.yMin.trim() && yMin === null) return "Y min is not a number.";
  if (f.yMax.trim() && yMax === null) return "Y max is not a number.";
  if (yMin !== null && yMax !== null && yMin >= yMax) return "Y min must be below y max.";
  set("yMin", yMin ?? undefined);
  set("yMax", yMax ?? undefined);
  set("logX", f.logX || undefined);
  set("logY", f.logY === "" ? undefined : f.logY === "on");
  set("ignoreOutliers", f.ignoreOutliers || undefined);
  const maxRuns = numberOrNull(f.maxRuns);
  if (f.maxRuns.trim() && (maxRuns === null || maxRuns < 1 || !Number.isInteger(maxRuns))) return "Max runs is a whole number of 1 or more.";
  set("maxRuns", maxRuns ?? undefined);
  set("aggregate", f.aggregate === "mean" ? undefined : f.aggregate);
  set("band", f.band === "minmax" ? undefined : f.band);
  set("legend", f.legend.trim() || undefined);
  return out;
}

export function PanelSettings({ title, settings, keys, onSave, onClose }: Props) {
  const [f, setF] = useState(() => formOf(settings));
  const [error, setError] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    first.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      before?.focus?.();
    };
  }, []);
  const field = <K extends keyof Form>(key: K) => (value: Form[K]) => setF((old) => ({ ...old, [key]: value }));
  const submit = (e: Event) => {
    e.preventDefault();
    const out = settingsOf(f, settings);
    if (typeof out === "string") setError(out);
    else onSave(out);
  };
  const text = (key: "title" | "amount" | "yMin" | "yMax" | "maxRuns" | "legend", label: string, placeholder = "") => (
    <label class="form-row">
      <span>{label}</span>
      <input class="input" value={f[key]} placeholder={placeholder} aria-label={label} ref={key === "title" ? first : undefined}
        onInput={(e) => field(key)(e.currentTarget.value)} />
    </label>
  );
  return (
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form class="modal panel-settings" role="dialog" aria-modal="true" aria-label={`Settings of ${title}`} onSubmit={submit}>
        <h2>Panel settings</h2>
        {text("title", "Title", "the metrics' names")}
        <label class="form-row">
          <span>Metrics</span>
          <textarea class="input" rows={3} aria-label="Metrics" value={f.metrics} placeholder="train/loss, or /regex/ — one a line"
            onInput={(e) => field("metrics")(e.currentTarget.value)} />
        </label>
        <label class="form-row">
          <span>X axis</span>
          <select class="input" aria-label="Panel x axis" value={f.x} onChange={(e) => field("x")(e.currentTarget.value)}>
            <option value="">The workspace's</option>
            {["_step", "_runtime", "_timestamp", ...keys].map((k) => (
              <option value={k} key={k}>{k.startsWith("_") ? xLabel(k) : k}</option>
            ))}
          </select>
        </label>
        <div class="form-pair">
          <label class="form-row">
            <span>Smoothing</span>
            <select class="input" aria-label="Smoothing kind" value={f.smoothing}
              onChange={(e) => field("smoothing")(e.currentTarget.value as SmoothingKind | "")}>
              <option value="">The workspace's</option>
              {(Object.keys(SMOOTHING) as SmoothingKind[]).map((k) => (
                <option value={k} key={k}>{SMOOTHING[k]}</option>
              ))}
            </select>
          </label>
          {text("amount", "Smoothing amount", "0")}
        </div>
        <div class="form-pair">
          {text("yMin", "Y min", "auto")}
          {text("yMax", "Y max", "auto")}
        </div>
        <div class="form-pair">
          <label class="form-check">
            <input type="checkbox" checked={f.logX} aria-label="Log x" onChange={(e) => field("logX")(e.currentTarget.checked)} /> Log x
          </label>
          <label class="form-row">
            <span>Log y</span>
            <select class="input" aria-label="Log y" value={f.logY} onChange={(e) => field("logY")(e.currentTarget.value as Form["logY"])}>
              <option value="">The workspace's</option>
              <option value="on">On</option>
              <option value="off">Off</option>
            </select>
          </label>
          <label class="form-check">
            <input type="checkbox" checked={f.ignoreOutliers} aria-label="Ignore outliers"
              onChange={(e) => field("ignoreOutliers")(e.currentTarget.checked)} /> Ignore outliers in scaling
          </label>
        </div>
        {text("maxRuns", "Max runs", "all the workspace charts")}
        <div class="form-pair">
          <label class="form-row">
            <span>Group line</span>
            <select class="input" aria-label="Group aggregation" value={f.aggregate}
              onChange={(e) => field("aggregate")(e.currentTarget.value as Aggregate)}>
              {["mean", "median", "min", "max"].map((a) => <option value={a} key={a}>{a}</option>)}
            </select>
          </label>
          <label class="form-row">
            <span>Group band</span>
            <select class="input" aria-label="Group band" value={f.band} onChange={(e) => field("band")(e.currentTarget.value as Band)}>
              <option value="minmax">min–max</option>
              <option value="stddev">standard deviation</option>
              <option value="stderr">standard error</option>
              <option value="none">none</option>
            </select>
          </label>
        </div>
        {text("legend", "Legend", "{run} · {metric}, {config.lr}, {summary.best}")}
        {error && <p class="form-error" role="alert">{error}</p>}
        <div class="modal-actions">
          <button type="button" class="btn" onClick={onClose}>Cancel</button>
          <button type="submit" class="btn btn-primary">Save</button>
        </div>
      </form>
    </div>
  );
}

/** The settings of a markdown panel: its title and text. */
export function TextSettings({ title, settings, onSave, onClose }: Omit<Props, "keys">) {
  const [name, setName] = useState(settings.title ?? "");
  const [text, setText] = useState(settings.text ?? "");
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    area.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return (
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form class="modal panel-settings" role="dialog" aria-modal="true" aria-label={`Settings of ${title}`}
        onSubmit={(e) => {
          e.preventDefault();
          const out: LineSettings = { text };
          if (name.trim()) out.title = name.trim();
          onSave(out);
        }}>
        <h2>Text panel</h2>
        <label class="form-row">
          <span>Title</span>
          <input class="input" aria-label="Title" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="form-row">
          <span>Text (Markdown, $LaTeX$)</span>
          <textarea class="input" rows={10} aria-label="Text" ref={area} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <div class="modal-actions">
          <button type="button" class="btn" onClick={onClose}>Cancel</button>
          <button type="submit" class="btn btn-primary">Save</button>
        </div>
      </form>
    </div>
  );
}
