/** Parallel coordinates over chosen config and summary fields (the last one colours the
 * lines): log axes, category axes, and brushing: dragging along an axis filters the
 * workspace's runs to the brushed range (the table and every other chart follow, the
 * filter is in the URL), and "Clear brush" lifts it. The chart keeps the runs the brush
 * leaves out, faded, so the brush can be moved. */
import { useMemo } from "preact/hooks";
import { viewActions } from "../../pages/workspace/viewState";
import { runsCsv } from "../../pages/workspace/tableExport";
import { ParallelCoordinates } from "../ParallelCoordinates";
import { pcAxis } from "../parallel";
import { PanelFrame } from "./frame";
import { fieldsOf } from "./options";
import { usePanelRuns } from "./context";
import type { PanelBodyProps } from "./types";
import { brushesOf, brushFilter } from "./values";

/** Room for the chart's own toolbar (log axes, brush status and buttons) above it. */
const TOOLBAR_PX = 40;

export function ParallelPanel(props: PanelBodyProps) {
  const { ctx, settings, onOptions } = props;
  const o = settings.options ?? {};
  const fields = o.fields ?? [];
  const fetched = usePanelRuns(ctx, fieldsOf("parallel", o, null), true);
  const { runs } = fetched;
  const logAxes = useMemo(() => new Set(o.logFields ?? []), [(o.logFields ?? []).join("\n")]);
  // The brush lives in the URL as the runs filter it stands for; drawn on these axes.
  const axes = useMemo(() => fields.map((f) => pcAxis(runs, f, logAxes.has(f))), [runs, fields.join("\n"), logAxes]);
  const brushes = useMemo(() => brushesOf(axes, ctx.brush), [axes, JSON.stringify(ctx.brush)]);
  const onLog = (field: string, on: boolean) =>
    onOptions?.({ ...o, logFields: [...(o.logFields ?? []).filter((f) => f !== field), ...(on ? [field] : [])] });
  const empty = fields.length < 2
    ? "Choose at least two fields in the panel's settings."
    : fetched.loading && !runs.length
      ? "Loading…"
      : !runs.length
        ? "No runs to draw."
        : null;
  return (
    <PanelFrame {...props.frame} type="parallel" height={props.height} error={fetched.error} onRetry={fetched.reload}
      empty={empty} csv={() => runsCsv(runs, fields)}
      status={ctx.brush && (
        <p class="field-panel-note muted small">The brush filters the workspace's runs (the table and charts).</p>
      )}>
      <ParallelCoordinates runs={runs} fields={fields} metric={fields[fields.length - 1] ?? ""} logAxes={logAxes} onLog={onLog}
        onSelect={viewActions.selected} height={Math.max(160, props.height - TOOLBAR_PX)} brushes={brushes}
        onBrushes={(next, on) => ctx.onBrush(brushFilter(on, next))} />
    </PanelFrame>
  );
}
