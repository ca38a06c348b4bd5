/** A bar per run (or per group of the workspace's grouping, aggregated) of one config or
 * summary field: the runs the charts draw, sorted by the value. */
import { useMemo } from "preact/hooks";
import { csvOf, niceTicks } from "../export";
import { formatTick } from "../axes";
import type { PanelBodyProps } from "./types";
import { PanelFrame, useWidth } from "./frame";
import { fieldsOf } from "./options";
import { usePanelRuns } from "./context";
import { barsOf, fieldName } from "./values";

const LABEL_PX = 130;
const VALUE_PX = 56;
const AXIS_PX = 18;

export function BarPanel(props: PanelBodyProps) {
  const { ctx, settings } = props;
  const o = settings.options ?? {};
  const field = o.field ?? "";
  const fetched = usePanelRuns(ctx, fieldsOf("bar", o, ctx.group));
  const how = settings.aggregate ?? "mean";
  const bars = useMemo(
    () =>
      field
        ? barsOf(fetched.runs, field, {
            sort: o.sort ?? "desc",
            colorOf: (id) => ctx.colors.get(id) ?? "var(--accent)",
            group: ctx.group ? { valueOf: (r) => ctx.groupValue(r, ctx.group!), how } : null,
          })
        : [],
    [fetched.runs, field, o.sort, ctx.colors, ctx.group, how],
  );
  const [box, width] = useWidth();
  const plotW = Math.max(40, width - LABEL_PX - VALUE_PX);
  const lo = Math.min(0, ...bars.map((b) => b.value));
  const hi = Math.max(0, ...bars.map((b) => b.value));
  const ticks = niceTicks(lo, hi, 4);
  const x = (v: number) => LABEL_PX + (hi === lo ? 0 : ((v - lo) / (hi - lo)) * plotW);
  const rowH = Math.max(14, Math.min(26, (props.height - AXIS_PX) / Math.max(1, bars.length)));
  const svgH = bars.length * rowH + AXIS_PX;
  const what = ctx.group ? `${how} per ${fieldName(ctx.group)} group` : "per run";
  const empty = !field
    ? "Choose a field in the panel's settings."
    : fetched.loading && !bars.length
      ? "Loading…"
      : !bars.length
        ? `No charted run has a number for ${fieldName(field)}.`
        : null;
  return (
    <PanelFrame {...props.frame} type="bar" height={props.height} error={fetched.error} onRetry={fetched.reload} empty={empty}
      csv={() => csvOf([ctx.group ? "group" : "run", "id", fieldName(field), "runs"], bars.map((b) => [b.label, b.id, b.value, b.n]))}
      status={field ? <p class="field-panel-note muted small">{fieldName(field)} · {what}</p> : null}>
      <div ref={box} class="bar-box">
        <svg class="bar-svg" width={width} height={svgH} role="figure" aria-label={`Bars of ${fieldName(field)}`} data-bars={bars.length}>
          {ticks.map((t) => (
            <g key={t}>
              <line x1={x(t)} x2={x(t)} y1={0} y2={svgH - AXIS_PX} class="field-grid" />
              <text x={x(t)} y={svgH - 4} class="field-tick" text-anchor="middle">{formatTick(t)}</text>
            </g>
          ))}
          {bars.map((b, i) => {
            const y = i * rowH;
            const x0 = x(Math.min(0, b.value));
            const x1 = x(Math.max(0, b.value));
            return (
              <g key={b.id} class="bar" data-id={b.id} data-value={b.value}>
                <text x={LABEL_PX - 6} y={y + rowH / 2 + 4} class="field-label" text-anchor="end">
                  {b.label.length > 20 ? `${b.label.slice(0, 19)}…` : b.label}
                </text>
                <rect x={x0} y={y + 2} width={Math.max(1, x1 - x0)} height={rowH - 4} fill={b.color} rx={2}>
                  <title>{`${b.label}: ${b.value}${ctx.group ? ` (${b.n} runs)` : ""}`}</title>
                </rect>
                <text x={x1 + 4} y={y + rowH / 2 + 4} class="field-value">{formatTick(b.value)}</text>
              </g>
            );
          })}
        </svg>
      </div>
    </PanelFrame>
  );
}
