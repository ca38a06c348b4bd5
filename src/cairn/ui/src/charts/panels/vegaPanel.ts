/** The data and spec of a workspace Vega panel: the rows of each shown run (a logged custom
 * chart's table, a logged table, or the run itself: its name, config and summary), each
 * with a `run` field, under a spec that is someone's data and is drawn through the same
 * safe renderer as logged custom charts (media/vegaSafe.ts). */
import type { MediaRef } from "../../api/media";

export interface VegaRun {
  label: string;
  color: string;
  rows: Record<string, unknown>[];
}

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => !!v && typeof v === "object" && !Array.isArray(v);

/** A pasted spec, read: an object, or an error that says what is wrong. */
export function parseSpec(text: string): Loose {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`the spec is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(value)) throw new Error("the spec must be a JSON object (a Vega-Lite spec)");
  return value;
}

/** A run as a row: `run` (its label), `id`, `name`, `state`, `config.*` and `summary.*`
 * (nested, so `config.lr` is a Vega-Lite field). */
export function runRow(label: string, run: { id: string; name: string; state: string; config: Loose; summary: Loose } | undefined): Loose {
  if (!run) return { run: label };
  return { run: label, id: run.id, name: run.name, state: run.state, config: run.config, summary: run.summary };
}

/** The spec to draw: the rows of every run (each with its `run`) as the data (unless the
 * spec names other data, which the renderer refuses to load), the panel's size, and the
 * runs in their own colours: a colour by `run` gets their scale unless it has one, and a
 * spec with no colour over several runs is coloured by run (a logged chart of one run
 * would otherwise join every run's rows into one line). */
export function panelSpec(spec: Loose, runs: readonly VegaRun[], height: number): Loose {
  const values = runs.flatMap((r) => r.rows.map((row) => ({ ...row, run: r.label })));
  const data = spec.data;
  const out: Loose = { width: "container", height, ...spec, data: !isObject(data) || typeof data.name === "string" ? { values } : data };
  const encoding = spec.encoding;
  const scale = { domain: runs.map((r) => r.label), range: runs.map((r) => r.color) };
  if (isObject(encoding) && isObject(encoding.color) && encoding.color.field === "run" && encoding.color.scale === undefined) {
    out.encoding = { ...encoding, color: { ...encoding.color, scale } };
  } else if (isObject(encoding) && encoding.color === undefined && runs.length > 1) {
    out.encoding = { ...encoding, color: { field: "run", type: "nominal", scale } };
  }
  return out;
}

/** The latest value of a run's key, as a chart or table reference. */
export function latestRef(value: MediaRef | MediaRef[] | undefined): MediaRef | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}
