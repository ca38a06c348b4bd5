/** A point per run at any two config or summary fields: numbers on a linear or log axis,
 * anything else (text, mixed) as categories, so a text field never leaves it empty; points
 * in the run's colour, or coloured by a third field. */
import { useMemo } from "preact/hooks";
import type { Run } from "../../api/types";
import { paletteColor } from "../../lib/colors";
import { formatValue } from "../../lib/format";
import { csvOf } from "../export";
import { pcAxis, viridis, type PcAxis } from "../parallel";
import { PanelFrame, useWidth } from "./frame";
import { fieldsOf } from "./options";
import { usePanelRuns } from "./context";
import type { PanelBodyProps } from "./types";
import { fieldName, valueOf } from "./values";

const LEFT = 64;
const RIGHT = 14;
const TOP = 10;
const BOTTOM = 40;
const PAD = 0.04;

/** A point's colour by a field: viridis along a numeric one, the palette over categories. */
function colorBy(runs: readonly Run[], field: string): { of: (r: Run) => string | null; axis: PcAxis } {
  const axis = pcAxis(runs, field, false);
  const cats = new Map((axis.categories ?? []).map((c, i) => [c, i]));
  return {
    axis,
    of: (r) => {
      const p = axis.pos(r);
      if (p === null) return null;
      if (axis.kind !== "category") return viridis(p);
      const v = valueOf(r, field);
      return paletteColor(cats.get(formatValue(v ?? null)) ?? 0);
    },
  };
}

export function ScatterPanel(props: PanelBodyProps) {
  const { ctx, settings } = props;
  const o = settings.options ?? {};
  const fetched = usePanelRuns(ctx, fieldsOf("scatter", o, ctx.group));
  const { runs } = fetched;
  const [box, width] = useWidth();
  const ax = useMemo(() => (o.x ? pcAxis(runs, o.x, !!o.logX) : null), [runs, o.x, o.logX]);
  const ay = useMemo(() => (o.y ? pcAxis(runs, o.y, !!o.logY) : null), [runs, o.y, o.logY]);
  const color = useMemo(() => (o.color ? colorBy(runs, o.color) : null), [runs, o.color]);
  const h = props.height;
  const plotW = Math.max(40, width - LEFT - RIGHT);
  const plotH = Math.max(40, h - TOP - BOTTOM);
  const sx = (p: number) => LEFT + (PAD + p * (1 - 2 * PAD)) * plotW;
  const sy = (p: number) => TOP + (1 - PAD - p * (1 - 2 * PAD)) * plotH;
  const points = ax && ay
    ? runs.flatMap((r) => {
        const px = ax.pos(r);
        const py = ay.pos(r);
        if (px === null || py === null) return [];
        const fill = (color ? color.of(r) : null) ?? ctx.colors.get(r.id) ?? "var(--accent)";
        return [{ run: r, x: sx(px), y: sy(py), fill }];
      })
    : [];
  const notes: string[] = [];
  if (o.logX && ax && ax.kind !== "log" && ax.kind === "linear") notes.push(`${fieldName(o.x!)} has values ≤ 0: linear x`);
  if (o.logY && ay && ay.kind !== "log" && ay.kind === "linear") notes.push(`${fieldName(o.y!)} has values ≤ 0: linear y`);
  const empty = !o.x || !o.y
    ? "Choose the x and y fields in the panel's settings."
    : fetched.loading && !runs.length
      ? "Loading…"
      : !points.length
        ? "No charted run has both fields."
        : null;
  const csv = () =>
    csvOf(["run", "id", fieldName(o.x ?? "x"), fieldName(o.y ?? "y"), ...(o.color ? [fieldName(o.color)] : [])],
      points.map((p) => [p.run.name || p.run.id, p.run.id, cell(p.run, o.x!), cell(p.run, o.y!), ...(o.color ? [cell(p.run, o.color)] : [])]));
  return (
    <PanelFrame {...props.frame} type="scatter" height={h} error={fetched.error} onRetry={fetched.reload} empty={empty} csv={csv}
      status={(notes.length > 0 || color) && (
        <p class="field-panel-note muted small">
          {color && <span>colour: {fieldName(o.color!)}{color.axis.kind === "category" ? "" : " (low: purple, high: yellow)"}</span>}
          {color && color.axis.kind === "category" && (color.axis.categories ?? []).slice(0, 12).map((c, i) => (
            <span key={c} class="scatter-key"><span class="swatch" style={{ background: paletteColor(i) }} /> {c}</span>
          ))}
          {notes.map((n) => <span key={n}> · {n}</span>)}
        </p>
      )}>
      <div ref={box} class="scatter-box">
        {ax && ay && (
          <svg class="scatter-svg" width={width} height={h} role="figure" aria-label={`Scatter of ${fieldName(o.y!)} against ${fieldName(o.x!)}`}
            data-points={points.length} data-x-scale={ax.kind} data-y-scale={ay.kind}>
            {ax.ticks.map((t) => (
              <g key={`x${t.pos}`}>
                <line x1={sx(t.pos)} x2={sx(t.pos)} y1={TOP} y2={TOP + plotH} class="field-grid" />
                <text x={sx(t.pos)} y={TOP + plotH + 14} class="field-tick" text-anchor="middle">{short(t.text)}</text>
              </g>
            ))}
            {ay.ticks.map((t) => (
              <g key={`y${t.pos}`}>
                <line x1={LEFT} x2={LEFT + plotW} y1={sy(t.pos)} y2={sy(t.pos)} class="field-grid" />
                <text x={LEFT - 6} y={sy(t.pos) + 4} class="field-tick" text-anchor="end">{short(t.text)}</text>
              </g>
            ))}
            <text x={LEFT + plotW / 2} y={h - 6} class="field-axis-name" text-anchor="middle">{fieldName(o.x!)}{ax.kind === "log" ? " (log)" : ""}</text>
            <text x={12} y={TOP + plotH / 2} class="field-axis-name" text-anchor="middle" transform={`rotate(-90 12 ${TOP + plotH / 2})`}>
              {fieldName(o.y!)}{ay.kind === "log" ? " (log)" : ""}
            </text>
            {points.map((p) => (
              <circle key={p.run.id} cx={p.x} cy={p.y} r={5} fill={p.fill} class="scatter-point" data-run={p.run.id}>
                <title>{`${p.run.name || p.run.id}\n${fieldName(o.x!)}: ${cell(p.run, o.x!)}\n${fieldName(o.y!)}: ${cell(p.run, o.y!)}`}</title>
              </circle>
            ))}
          </svg>
        )}
      </div>
    </PanelFrame>
  );
}

const short = (t: string) => (t.length > 12 ? `${t.slice(0, 11)}…` : t);

function cell(run: Run, field: string): string | number {
  const v = valueOf(run, field);
  return typeof v === "number" ? v : v === undefined ? "" : formatValue(v);
}
