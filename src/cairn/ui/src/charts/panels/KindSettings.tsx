/** The settings dialog of a media, histogram or Vega panel: title, the logged key (offered
 * from the shown runs' media keys of the panel's kind), how many runs side by side, and for
 * a Vega panel a Vega-Lite spec of its own (checked before it is kept). */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { LineSettings, PanelType } from "../layout";
import type { LineSpec } from "../lines";
import { DEFAULT_MEDIA_RUNS, KIND_NAMES, panelRuns } from "./kinds";
import { keysFor, useMediaKeys } from "./mediaKeys";
import { parseSpec } from "./vegaPanel";

interface Props {
  type: PanelType;
  title: string;
  settings: LineSettings;
  specs: readonly LineSpec[];
  entity: string;
  project: string;
  onSave: (settings: LineSettings) => void;
  onClose: () => void;
}

export function KindSettings({ type, title, settings, specs, entity, project, onSave, onClose }: Props) {
  const [name, setName] = useState(settings.title ?? "");
  const [key, setKey] = useState(settings.mediaKey ?? "");
  const [maxRuns, setMaxRuns] = useState(settings.maxRuns == null ? "" : String(settings.maxRuns));
  const [spec, setSpec] = useState(settings.spec ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const ids = useMemo(() => panelRuns(specs, { maxRuns: 24 }).map((r) => r.id), [specs]);
  const keys = useMediaKeys(entity, project, ids);
  const offered = keysFor(type, keys.data ?? []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  const submit = (e: Event) => {
    e.preventDefault();
    const out: LineSettings = {};
    if (name.trim()) out.title = name.trim();
    if (key) out.mediaKey = key;
    const runs = Number(maxRuns);
    if (maxRuns.trim() !== "") {
      if (!Number.isInteger(runs) || runs < 1 || runs > 24) {
        setProblem("Runs side by side: a whole number from 1 to 24");
        return;
      }
      out.maxRuns = runs;
    }
    if (type === "vega" && spec.trim()) {
      try {
        parseSpec(spec);
      } catch (err) {
        setProblem(err instanceof Error ? err.message : String(err));
        return;
      }
      out.spec = spec;
    }
    onSave(out);
  };
  return (
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form class="modal panel-settings" role="dialog" aria-modal="true" aria-label={`Settings of ${title}`} onSubmit={submit}>
        <h2>{KIND_NAMES[type]} panel</h2>
        <label class="form-row">
          <span>Title</span>
          <input class="input" aria-label="Title" value={name} placeholder="the key" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="form-row">
          <span>{type === "vega" ? "Logged custom chart or table" : type === "histogram" ? "Histogram key" : "Media key"}</span>
          <select class="input" aria-label="Key" value={key} onChange={(e) => setKey(e.currentTarget.value)}>
            <option value="">{type === "vega" ? "none: one row per run (config, summary)" : "choose a key…"}</option>
            {key && !offered.some((k) => k.key === key) && <option value={key}>{key}</option>}
            {offered.map((k) => <option value={k.key} key={k.key}>{`${k.key} (${k.type.replace(/-file$/, "")})`}</option>)}
          </select>
        </label>
        {keys.data && !offered.length && <p class="muted">The shown runs logged no key of this kind.</p>}
        <label class="form-row">
          <span>Runs side by side</span>
          <input class="input" aria-label="Runs side by side" inputMode="numeric" value={maxRuns} placeholder={String(DEFAULT_MEDIA_RUNS)}
            onInput={(e) => setMaxRuns(e.currentTarget.value)} />
        </label>
        {type === "vega" && (
          <label class="form-row">
            <span>Vega-Lite spec (JSON; empty: the logged chart's). The data is the rows of every run, each with its <code>run</code>.</span>
            <textarea class="input media-spec-text" rows={10} aria-label="Vega-Lite spec" spellcheck={false} value={spec}
              onInput={(e) => setSpec(e.currentTarget.value)} />
          </label>
        )}
        {problem && <div class="panel-error" role="alert">{problem}</div>}
        <div class="modal-actions">
          <button type="button" class="btn" onClick={onClose}>Cancel</button>
          <button type="submit" class="btn btn-primary">Save</button>
        </div>
      </form>
    </div>
  );
}
