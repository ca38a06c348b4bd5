/** Vega-Lite specs for the comparison charts, with the data shaped in JS first (so keys with
 * dots or slashes never need Vega field escaping): parallel coordinates of config keys
 * against a summary metric, and a scatter of any two columns. */
import type { Run } from "../../api/types";
import { runColor } from "../../lib/colors";
import { fieldValue, numericValue } from "../../lib/flatten";
import { formatValue } from "../../lib/format";

type Spec = Record<string, unknown>;

export interface ThemeColors {
  text: string;
  muted: string;
  grid: string;
}

function value(run: Run, field: string) {
  return fieldValue(run as Run & Record<string, unknown>, field);
}

const label = (field: string) => field.replace(/^(config|summary)\./, "");

function baseConfig(c: ThemeColors): Spec {
  return {
    background: null,
    view: { stroke: null },
    axis: { labelColor: c.muted, titleColor: c.text, gridColor: c.grid, domainColor: c.grid, tickColor: c.grid },
    legend: { labelColor: c.muted, titleColor: c.text },
    font: "system-ui, sans-serif",
  };
}

interface AxisInfo {
  field: string;
  name: string;
  /** Value → position in [0, 1]; null when the run has no usable value. */
  pos: (run: Run) => number | null;
  ticks: { pos: number; text: string }[];
}

function axisOf(runs: readonly Run[], field: string): AxisInfo {
  const nums = runs.map((r) => numericValue(value(r, field))).filter((v): v is number => v !== null && Number.isFinite(v));
  const name = label(field);
  const present = runs.map((r) => value(r, field)).filter((v) => v !== undefined && v !== null);
  if (nums.length && nums.length === present.length) {
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const span = hi - lo || 1;
    return {
      field,
      name,
      pos: (r) => {
        const v = numericValue(value(r, field));
        return v === null || !Number.isFinite(v) ? null : hi === lo ? 0.5 : (v - lo) / span;
      },
      ticks: hi === lo ? [{ pos: 0.5, text: formatValue(lo) }] : [{ pos: 0, text: formatValue(lo) }, { pos: 1, text: formatValue(hi) }],
    };
  }
  // Categories (strings, mixed): spread evenly, labelled.
  const cats = [...new Set(present.map((v) => formatValue(v)))].sort();
  const at = (i: number) => (cats.length === 1 ? 0.5 : i / (cats.length - 1));
  return {
    field,
    name,
    pos: (r) => {
      const v = value(r, field);
      if (v === undefined || v === null) return null;
      return at(cats.indexOf(formatValue(v)));
    },
    ticks: cats.slice(0, 12).map((text, i) => ({ pos: at(i), text })),
  };
}

export function parallelSpec(runs: readonly Run[], keys: readonly string[], metric: string, c: ThemeColors): Spec {
  const axes = [...keys, metric].map((f) => axisOf(runs, f));
  const lines: Record<string, unknown>[] = [];
  runs.forEach((run, i) => {
    const m = numericValue(value(run, metric));
    for (const a of axes) {
      const p = a.pos(run);
      if (p === null) continue;
      lines.push({
        run: i,
        name: run.name || run.id,
        axis: a.name,
        pos: p,
        value: formatValue(value(run, a.field)),
        metric: m !== null && Number.isFinite(m) ? m : null,
      });
    }
  });
  const ticks = axes.flatMap((a) => a.ticks.map((t) => ({ axis: a.name, pos: t.pos, text: t.text })));
  const order = axes.map((a) => a.name);
  const x = {
    field: "axis",
    type: "nominal",
    sort: order,
    axis: { title: null, labelAngle: 0, orient: "top", labelColor: c.text, labelLimit: 80, labelPadding: 6 },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: "container",
    height: 280,
    config: baseConfig(c),
    layer: [
      {
        data: { values: order.map((axis) => ({ axis })) },
        mark: { type: "rule", color: c.grid },
        encoding: { x, y: { datum: 0, type: "quantitative", scale: { domain: [0, 1] }, axis: null }, y2: { datum: 1 } },
      },
      {
        data: { values: lines },
        mark: { type: "line", strokeWidth: 1.5, opacity: 0.7 },
        encoding: {
          x,
          y: { field: "pos", type: "quantitative", axis: null, scale: { domain: [0, 1] } },
          detail: { field: "run", type: "nominal" },
          color: { field: "metric", type: "quantitative", title: label(metric), scale: { scheme: "viridis" } },
          tooltip: [
            { field: "name", title: "run" },
            { field: "axis", title: "key" },
            { field: "value", title: "value" },
            { field: "metric", title: label(metric), format: ".4~g" },
          ],
        },
      },
      {
        data: { values: ticks },
        mark: { type: "text", align: "left", dx: 4, fontSize: 10, color: c.muted },
        encoding: { x, y: { field: "pos", type: "quantitative", axis: null, scale: { domain: [0, 1] } }, text: { field: "text" } },
      },
    ],
  };
}

export function scatterSpec(runs: readonly Run[], xField: string, yField: string, c: ThemeColors): Spec {
  const points = runs.flatMap((run) => {
    const x = numericValue(value(run, xField));
    const y = numericValue(value(run, yField));
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) return [];
    return [{ name: run.name || run.id, x, y, color: runColor(run.id), state: run.state }];
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: "container",
    height: 280,
    config: baseConfig(c),
    data: { values: points },
    mark: { type: "point", filled: true, size: 60, opacity: 0.85 },
    encoding: {
      x: { field: "x", type: "quantitative", title: label(xField), scale: { zero: false } },
      y: { field: "y", type: "quantitative", title: label(yField), scale: { zero: false } },
      color: { field: "color", type: "nominal", scale: null },
      tooltip: [
        { field: "name", title: "run" },
        { field: "x", title: label(xField), format: ".4~g" },
        { field: "y", title: label(yField), format: ".4~g" },
        { field: "state" },
      ],
    },
  };
}
