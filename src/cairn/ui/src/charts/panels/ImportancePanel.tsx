/** Parameter importance against a chosen metric: per config parameter that varies, the
 * forest importance and the correlation with the metric (`importance.ts`), over the runs
 * the charts draw. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { csvOf } from "../export";
import { PanelFrame, useWidth } from "./frame";
import { usePanelRuns } from "./context";
import { fitForest } from "./forest";
import { MIN_RUNS, prepare, resultOf, samplesOf, type ImportanceResult } from "./importance";
import type { PanelBodyProps } from "./types";
import { fieldName } from "./values";

const ROW_PX = 22;
const HEAD_PX = 22;

export function ImportancePanel(props: PanelBodyProps) {
  const { ctx, settings } = props;
  const metric = settings.options?.field ?? "";
  const fetched = usePanelRuns(ctx, null);
  const prep = useMemo(() => (metric && fetched.runs.length ? prepare(fetched.runs, metric) : null), [fetched.runs, metric]);
  // Correlations at once; the forest's importances when the worker has fitted it.
  const [fit, setFit] = useState<{ prep: typeof prep; result: ImportanceResult; error?: string } | null>(null);
  useEffect(() => {
    if (!prep || !prep.fitted) return;
    let current = true;
    fitForest(samplesOf(prep), prep.y).then(
      (scores) => current && setFit({ prep, result: resultOf(prep, scores) }),
      (e: unknown) => current && setFit({ prep, result: resultOf(prep, null), error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      current = false;
    };
  }, [prep]);
  const fitting = !!prep?.fitted && fit?.prep !== prep;
  const result = prep ? (fit?.prep === prep ? fit.result : resultOf(prep, null)) : null;
  const [box, width] = useWidth();
  const rows = result?.rows ?? [];
  const nameW = Math.min(200, Math.max(90, width * 0.34));
  const barW = Math.max(40, (width - nameW - 24) / 2);
  const svgH = HEAD_PX + rows.length * ROW_PX;
  const empty = !metric
    ? "Choose the metric in the panel's settings."
    : fetched.loading && !fetched.runs.length
      ? "Loading…"
      : !result || !result.runs
        ? `No charted run has a number for ${fieldName(metric)}.`
        : !rows.length
          ? "No config parameter varies across these runs."
          : null;
  return (
    <PanelFrame {...props.frame} type="importance" height={props.height} error={fetched.error} onRetry={fetched.reload} empty={empty}
      csv={() => csvOf(["parameter", "importance", `correlation with ${fieldName(metric)}`], rows.map((r) => [fieldName(r.param), r.importance, r.correlation]))}
      status={result && (
        <p class="field-panel-note muted small">
          against {fieldName(metric)} · {result.runs} runs
          {result.runs < MIN_RUNS
            ? ` · importance needs ${MIN_RUNS} runs with a value`
            : fitting
              ? " · fitting the random forest…"
              : fit?.error
                ? ` · the random forest failed: ${fit.error}`
                : " · random forest, 100 trees"}
        </p>
      )}>
      <div ref={box} class="importance-box">
        <svg width={width} height={svgH} role="figure" aria-busy={fitting} aria-label={`Parameter importance for ${fieldName(metric)}`} data-params={rows.length}>
          <text x={nameW + 4} y={14} class="field-axis-name">Importance</text>
          <text x={nameW + barW + 16} y={14} class="field-axis-name">Correlation</text>
          {rows.map((r, i) => {
            const y = HEAD_PX + i * ROW_PX;
            const c = r.correlation;
            const mid = nameW + barW + 16 + barW / 2;
            return (
              <g key={r.param} class="importance-row" data-param={r.param} data-importance={r.importance ?? ""} data-correlation={c ?? ""}>
                <text x={nameW - 6} y={y + 15} class="field-label" text-anchor="end">
                  {fieldName(r.param).length > 24 ? `${fieldName(r.param).slice(0, 23)}…` : fieldName(r.param)}
                  <title>{r.param}</title>
                </text>
                <rect x={nameW} y={y + 4} width={Math.max(0, (r.importance ?? 0) * barW)} height={ROW_PX - 8} class="importance-bar" />
                <text x={nameW + 4 + (r.importance ?? 0) * barW} y={y + 15} class="field-value">{r.importance === null ? "—" : r.importance.toFixed(3)}</text>
                <line x1={mid} x2={mid} y1={y + 2} y2={y + ROW_PX - 2} class="field-grid" />
                {c !== null && (
                  <rect x={c < 0 ? mid + c * (barW / 2) : mid} y={y + 4} width={Math.abs(c) * (barW / 2)} height={ROW_PX - 8}
                    class={c < 0 ? "corr-neg" : "corr-pos"} />
                )}
                <text x={mid + (c !== null && c < 0 ? 4 : -4)} y={y + 15} class="field-value" text-anchor={c !== null && c < 0 ? "start" : "end"}>
                  {c === null ? "—" : c.toFixed(2)}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
    </PanelFrame>
  );
}
