/** The settings dialog of a field panel: its title, and per type the fields it charts
 * (offered from the project's config and summary keys). */
import { useEffect, useState } from "preact/hooks";
import type { Columns } from "../../api/types";
import type { Aggregate, LineSettings } from "../layout";
import { FIELD_PANEL_NAMES, type BarSort, type FieldPanelType, type PanelOptions } from "./options";

interface Props {
  type: FieldPanelType;
  title: string;
  settings: LineSettings;
  columns: Columns | undefined;
  onSave: (settings: LineSettings) => void;
  onClose: () => void;
}

/** Fields to offer: config keys, then summary keys (bookkeeping `_…` last). */
export function fieldOptions(columns: Columns | undefined): { config: string[]; summary: string[] } {
  const summary = (columns?.summary ?? []).map((k) => `summary.${k}`);
  return {
    config: (columns?.config ?? []).map((k) => `config.${k}`),
    summary: [...summary.filter((f) => !f.startsWith("summary._")), ...summary.filter((f) => f.startsWith("summary._"))],
  };
}

/** What a new panel of the type starts with: the obvious fields of this project. */
export function defaultOptions(type: FieldPanelType, columns: Columns | undefined): PanelOptions {
  const { config, summary } = fieldOptions(columns);
  const metric = summary[0];
  if (type === "bar") return { field: metric, sort: "desc" };
  if (type === "scatter") return { x: config[0] ?? summary[1], y: metric };
  if (type === "parallel") return { fields: [...config.slice(0, 4), ...(metric ? [metric] : [])] };
  if (type === "importance") return { field: metric };
  return { onlyDiffs: false };
}

function Select({ label, value, options, onChange, none }: { label: string; value: string; options: { config: string[]; summary: string[] };
  onChange: (v: string) => void; none?: string }) {
  return (
    <label class="form-row">
      <span>{label}</span>
      <select class="input" aria-label={label} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {none !== undefined && <option value="">{none}</option>}
        {!none && !value && <option value="">choose…</option>}
        <optgroup label="config">{options.config.map((f) => <option key={f} value={f}>{f.slice(7)}</option>)}</optgroup>
        <optgroup label="summary">{options.summary.map((f) => <option key={f} value={f}>{f.slice(8)}</option>)}</optgroup>
      </select>
    </label>
  );
}

export function FieldSettings({ type, title, settings, columns, onSave, onClose }: Props) {
  const [name, setName] = useState(settings.title ?? "");
  const [o, setO] = useState<PanelOptions>(() => settings.options ?? defaultOptions(type, columns));
  const [aggregate, setAggregate] = useState<Aggregate>(settings.aggregate ?? "mean");
  const [error, setError] = useState<string | null>(null);
  const options = fieldOptions(columns);
  const set = (change: Partial<PanelOptions>) => setO({ ...o, ...change });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  const submit = () => {
    if ((type === "bar" || type === "importance") && !o.field) return setError("Choose a field.");
    if (type === "scatter" && (!o.x || !o.y)) return setError("Choose the x and y fields.");
    if (type === "parallel" && (o.fields ?? []).length < 2) return setError("Choose at least two fields.");
    const out: LineSettings = { options: o };
    if (name.trim()) out.title = name.trim();
    if (type === "bar") out.aggregate = aggregate;
    onSave(out);
  };
  const chosen = o.fields ?? [];
  const toggleField = (f: string) => set({ fields: chosen.includes(f) ? chosen.filter((x) => x !== f) : [...chosen, f] });
  return (
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form class="modal panel-settings" role="dialog" aria-modal="true" aria-label={`Settings of ${title}`}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}>
        <h2>{FIELD_PANEL_NAMES[type]} panel</h2>
        <label class="form-row">
          <span>Title</span>
          <input class="input" aria-label="Title" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        {type === "bar" && (
          <>
            <Select label="Field" value={o.field ?? ""} options={options} onChange={(v) => set({ field: v })} />
            <label class="form-row">
              <span>Sort</span>
              <select class="input" aria-label="Sort" value={o.sort ?? "desc"} onChange={(e) => set({ sort: e.currentTarget.value as BarSort })}>
                <option value="desc">largest first</option>
                <option value="asc">smallest first</option>
                <option value="none">as the table</option>
              </select>
            </label>
            <label class="form-row">
              <span>Groups show their</span>
              <select class="input" aria-label="Group aggregate" value={aggregate} onChange={(e) => setAggregate(e.currentTarget.value as Aggregate)}>
                {(["mean", "median", "min", "max"] as const).map((a) => <option key={a} value={a}>{a}</option>)}
              </select>
            </label>
          </>
        )}
        {type === "scatter" && (
          <>
            <Select label="X" value={o.x ?? ""} options={options} onChange={(v) => set({ x: v })} />
            <Select label="Y" value={o.y ?? ""} options={options} onChange={(v) => set({ y: v })} />
            <Select label="Colour by" value={o.color ?? ""} options={options} none="the run's colour" onChange={(v) => set({ color: v || undefined })} />
            <label class="form-check">
              <input type="checkbox" aria-label="Log x" checked={!!o.logX} onChange={(e) => set({ logX: e.currentTarget.checked })} /> Log x
            </label>
            <label class="form-check">
              <input type="checkbox" aria-label="Log y" checked={!!o.logY} onChange={(e) => set({ logY: e.currentTarget.checked })} /> Log y
            </label>
          </>
        )}
        {type === "parallel" && (
          <fieldset class="form-row">
            <legend>Axes, in order (the last one colours the lines)</legend>
            <ol class="chosen-fields" aria-label="Chosen axes">{chosen.map((f) => <li key={f}>{f}</li>)}</ol>
            <ul class="check-list field-check-list">
              {[...options.config, ...options.summary].slice(0, 400).map((f) => (
                <li key={f}>
                  <label>
                    <input type="checkbox" aria-label={`Axis ${f}`} checked={chosen.includes(f)} onChange={() => toggleField(f)} />
                    <span class="col-name">{f}</span>
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
        )}
        {type === "importance" && <Select label="Metric" value={o.field ?? ""} options={options} onChange={(v) => set({ field: v })} />}
        {type === "comparer" && (
          <label class="form-check">
            <input type="checkbox" aria-label="Only differences" checked={!!o.onlyDiffs} onChange={(e) => set({ onlyDiffs: e.currentTarget.checked })} />
            Only the rows that differ
          </label>
        )}
        {error && <div class="inline-error" role="alert">{error}</div>}
        <div class="modal-actions">
          <button type="button" class="btn" onClick={onClose}>Cancel</button>
          <button type="submit" class="btn btn-primary">Save</button>
        </div>
      </form>
    </div>
  );
}
