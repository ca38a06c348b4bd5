/** uPlot's options for a cairn chart: themed axes with short tick labels, a linear or log
 * y scale, an x scale in steps, seconds or wall time, drag-to-select (the zoom is ours),
 * and hooks into which the chart plugs its drawing, zoom and tooltip. */
import uPlot from "uplot";
import { cssVar } from "../theme";
import { formatTick, runtimeTick, type XKind } from "./axes";

export interface ChartHooks {
  draw: (u: uPlot) => void;
  select: (min: number, max: number) => void;
  cursor: (u: uPlot) => void;
}

interface Params {
  width: number;
  height: number;
  kind: XKind;
  log: boolean;
  syncKey: string;
  /** A log10 x axis (a panel's own setting; never for wall time). */
  logX?: boolean;
}

const MIN_DRAG_PX = 4;

/** A log axis's filter blanks the ticks it leaves unlabelled (2, 3, … 9 × 10ⁿ where space is
 * short): they get no label, not a "0" each. */
function tickLabel(v: number | null): string {
  return v == null ? "" : formatTick(v);
}

function yAxisSize(_u: uPlot, values: string[] | null): number {
  if (!values) return 40;
  const longest = values.reduce((m, v) => Math.max(m, v.length), 0);
  return Math.max(36, longest * 7 + 14);
}

export function chartOptions({ width, height, kind, log, syncKey, logX = false }: Params, hooks: ChartHooks): uPlot.Options {
  const stroke = cssVar("--chart-axis") || "#666";
  const grid = cssVar("--chart-grid") || "#eee";
  const font = `11px ${cssVar("--font-sans") || "system-ui, sans-serif"}`;
  const axis = { stroke, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: 4 } };
  return {
    width,
    height,
    legend: { show: false },
    pxAlign: 0,
    cursor: {
      drag: { x: true, y: false, setScale: false },
      points: { show: false },
      sync: { key: syncKey },
      y: false,
    },
    scales: {
      x:
        logX && kind !== "time"
          ? { distr: 3, log: 10, range: (_u, min, max) => uPlot.rangeLog(min, max, 10, false) }
          : { time: kind === "time", range: (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]) },
      y: {
        distr: log ? 3 : 1,
        log: 10,
        range: (_u, min, max) => (log ? uPlot.rangeLog(min, max, 10, false) : uPlot.rangeNum(min, max, 0.08, true)),
      },
    },
    // The one series only carries the extents for the scales; lines are drawn by hooks.draw.
    series: [{}, { stroke: "transparent", width: 0, points: { show: false } }],
    axes: [
      {
        ...axis,
        size: 34,
        space: 70,
        values:
          kind === "time" ? undefined : (_u, ticks) => ticks.map((v) => (v == null ? "" : kind === "runtime" ? runtimeTick(v) : formatTick(v))),
      },
      { ...axis, size: yAxisSize, space: 36, values: (_u, ticks) => ticks.map(tickLabel) },
    ],
    hooks: {
      draw: [hooks.draw],
      setSelect: [
        (u) => {
          const { left, width: w } = u.select;
          if (w >= MIN_DRAG_PX) {
            const a = u.posToVal(left, "x");
            const b = u.posToVal(left + w, "x");
            hooks.select(Math.min(a, b), Math.max(a, b));
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        },
      ],
      setCursor: [hooks.cursor],
    },
  };
}
