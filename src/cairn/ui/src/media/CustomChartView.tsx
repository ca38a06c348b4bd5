/** A custom chart (plot_table): the logged Vega-Lite spec with its ${field:…} and
 * ${string:…} inputs filled in, drawn over the logged table; the spec can be edited here. */
import { useState } from "preact/hooks";
import { joinDocs, mediaApi, tableDigests, type MediaRef } from "../api/media";
import { VegaChart } from "../charts/vega/VegaChart";
import { useAsync } from "../lib/useAsync";

const renderLogged = () => import("./vegaSafe").then((m) => m.renderLoggedSpec);

export interface TableDoc {
  columns: string[];
  data: unknown[][];
}

const WHOLE_FIELD = /^\$\{field:([^}]+)\}$/;

/** Whether ``value`` is an encoding like {"field": "${field:stroke}"} whose input the chart
 * does not map (an optional input, e.g. a line chart's stroke): the channel is left out. */
function unmappedChannel(value: unknown, fields: Record<string, string>): boolean {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const field = (value as { field?: unknown }).field;
  const match = typeof field === "string" ? WHOLE_FIELD.exec(field) : null;
  return !!match && !(match[1]! in fields);
}

/** Replace the spec's inputs: "${field:x}" by the column mapped to x, "${string:t}" by
 * the string field t (missing: ""); channels of unmapped fields are dropped. */
export function fillSpec(spec: unknown, fields: Record<string, string>, strings: Record<string, string>): unknown {
  if (typeof spec === "string") {
    const whole = WHOLE_FIELD.exec(spec);
    if (whole) return fields[whole[1] ?? ""] ?? whole[1];
    return spec
      .replace(/\$\{field:([^}]+)\}/g, (_, name: string) => fields[name] ?? name)
      .replace(/\$\{string:([^}]+)\}/g, (_, name: string) => strings[name] ?? "");
  }
  if (Array.isArray(spec)) return spec.map((s) => fillSpec(s, fields, strings));
  if (spec && typeof spec === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(spec)) {
      if (!unmappedChannel(v, fields)) out[k] = fillSpec(v, fields, strings);
    }
    return out;
  }
  return spec;
}

export function rowsOf(doc: TableDoc): Record<string, unknown>[] {
  return doc.data.map((row) => {
    const out: Record<string, unknown> = {};
    doc.columns.forEach((c, i) => {
      const v = row[i];
      out[c] = v && typeof v === "object" && "_type" in v ? ((v as MediaRef).caption ?? (v as MediaRef)._type) : v;
    });
    return out;
  });
}

/** The spec to draw: inputs filled, the "wandb"/"table" data source given the rows. */
export function chartSpec(spec: unknown, chart: MediaRef, doc: TableDoc): Record<string, unknown> {
  const filled = fillSpec(spec, chart.fields ?? {}, chart.string_fields ?? {}) as Record<string, unknown>;
  const values = rowsOf(doc);
  const data = filled.data as { name?: string } | undefined;
  return { width: "container", height: 240, ...filled, data: !data || data.name ? { values } : data };
}

export function CustomChartView({ chart, label }: { chart: MediaRef; label: string }) {
  const loaded = useAsync(
    async (s) => {
      const [spec, doc] = await Promise.all([
        mediaApi.blobJson<Record<string, unknown>>(chart.spec ?? "", s),
        // an INCREMENTAL table's chart draws the rows of all its increments
        Promise.all(tableDigests(chart.table ?? { _type: "table-file" }).map((d) => mediaApi.blobJson<TableDoc>(d, s))).then(joinDocs),
      ]);
      return { spec, doc };
    },
    [chart.spec, chart.table?.sha256],
  );
  const [edited, setEdited] = useState<string | null>(null);
  const [draft, setDraft] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  if (loaded.error) return <div class="panel-error" role="alert">cannot load the chart: {String(loaded.error)}</div>;
  if (!loaded.data) return <div class="loading-block" aria-label="loading" />;
  const specText = edited ?? JSON.stringify(loaded.data.spec, null, 2);
  let spec: unknown = loaded.data.spec;
  try {
    spec = JSON.parse(specText);
  } catch {
    // the last applied text always parses (apply checks it)
  }
  const apply = () => {
    try {
      JSON.parse(draft ?? specText);
      setEdited(draft ?? specText);
      setProblem(null);
    } catch (e) {
      setProblem(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <div class="media-chart" data-spec={chart.spec_name}>
      <VegaChart spec={chartSpec(spec, chart, loaded.data.doc)} label={label} load={renderLogged} />
      <div class="media-chart-bar">
        <span class="muted">{chart.spec_name}</span>
        <button type="button" class="btn btn-small" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          {editing ? "Close spec" : "Edit spec"}
        </button>
      </div>
      {editing && (
        <div class="media-spec">
          <textarea class="input media-spec-text" aria-label={`${label}: Vega-Lite spec`} value={draft ?? specText}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)} spellcheck={false} />
          {problem && <div class="panel-error" role="alert">{problem}</div>}
          <div class="media-chart-bar">
            <button type="button" class="btn btn-small btn-primary" onClick={apply}>Apply</button>
            <button type="button" class="btn btn-small" onClick={() => { setEdited(null); setDraft(null); setProblem(null); }}>Reset</button>
          </div>
        </div>
      )}
    </div>
  );
}
