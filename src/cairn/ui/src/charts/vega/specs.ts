/** Vega-Lite specs for the comparison charts, with the data shaped in JS first (so keys with
 * dots or slashes never need Vega field escaping): a scatter of any two columns, numeric or
 * not. (Parallel coordinates are drawn in SVG: charts/ParallelCoordinates.tsx.) */
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

/** Whether every value the runs have for the field is a finite number (else the field is
 * drawn as categories: a text field as x must not leave the chart empty). */
function isNumeric(runs: readonly Run[], field: string): boolean {
  let any = false;
  for (const run of runs) {
    const v = value(run, field);
    if (v === undefined || v === null) continue;
    const n = numericValue(v);
    if (n === null || !Number.isFinite(n)) return false;
    any = true;
  }
  return any;
}

export function scatterSpec(runs: readonly Run[], xField: string, yField: string, c: ThemeColors,
  colors: ReadonlyMap<string, string> = new Map()): Spec {
  const xNum = isNumeric(runs, xField);
  const yNum = isNumeric(runs, yField);
  const coord = (run: Run, field: string, numeric: boolean): number | string | null => {
    const v = value(run, field);
    if (v === undefined || v === null) return null;
    return numeric ? numericValue(v) : formatValue(v);
  };
  const points = runs.flatMap((run) => {
    const x = coord(run, xField, xNum);
    const y = coord(run, yField, yNum);
    if (x === null || y === null) return [];
    return [{ name: run.name || run.id, x, y, color: colors.get(run.id) ?? runColor(run.id), state: run.state }];
  });
  const channel = (numeric: boolean, field: string) =>
    numeric
      ? { field: field === xField ? "x" : "y", type: "quantitative", title: label(field), scale: { zero: false } }
      : { field: field === xField ? "x" : "y", type: "nominal", title: label(field), sort: "ascending" };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: "container",
    height: 280,
    config: baseConfig(c),
    data: { values: points },
    mark: { type: "point", filled: true, size: 60, opacity: 0.85 },
    encoding: {
      x: { ...channel(xNum, xField), field: "x" },
      y: { ...channel(yNum, yField), field: "y" },
      color: { field: "color", type: "nominal", scale: null },
      tooltip: [
        { field: "name", title: "run" },
        { field: "x", title: label(xField), ...(xNum ? { format: ".4~g" } : {}) },
        { field: "y", title: label(yField), ...(yNum ? { format: ".4~g" } : {}) },
        { field: "state" },
      ],
    },
  };
}
