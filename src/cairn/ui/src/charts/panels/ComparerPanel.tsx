/** The selected runs side by side (or, with none selected, the first charted ones): name,
 * state, tags, config and summary, with the rows whose values differ highlighted and an
 * "only differences" toggle (saved with the panel). */
import { useMemo, useState } from "preact/hooks";
import { csvOf } from "../export";
import { PanelFrame } from "./frame";
import { usePanelRuns } from "./context";
import type { PanelBodyProps } from "./types";
import { compareRows } from "./values";

/** Runs side by side at most (a wider table is unreadable in a panel). */
export const MAX_COMPARED = 10;

export function ComparerPanel(props: PanelBodyProps) {
  const { ctx, settings, onOptions } = props;
  const o = settings.options ?? {};
  const fetched = usePanelRuns(ctx, null);
  // Without an editor the toggle still works, for this page only.
  const [localOnly, setLocalOnly] = useState(!!o.onlyDiffs);
  const onlyDiffs = onOptions ? !!o.onlyDiffs : localOnly;
  const chosen = useMemo(() => {
    const byId = new Map(fetched.runs.map((r) => [r.id, r]));
    const picked = ctx.selected.length ? ctx.selected.flatMap((id) => byId.get(id) ?? []) : fetched.runs;
    return picked.slice(0, MAX_COMPARED);
  }, [fetched.runs, ctx.selected.join(",")]);
  const rows = useMemo(() => compareRows(chosen), [chosen]);
  const shown = onlyDiffs ? rows.filter((r) => r.differs) : rows;
  const differing = rows.filter((r) => r.differs).length;
  const toggle = (on: boolean) => (onOptions ? onOptions({ ...o, onlyDiffs: on }) : setLocalOnly(on));
  const empty = fetched.loading && !fetched.runs.length ? "Loading…" : !chosen.length ? "No runs to compare: select some in the table." : null;
  return (
    <PanelFrame {...props.frame} type="comparer" height={props.height} error={fetched.error} onRetry={fetched.reload} empty={empty}
      images={false}
      csv={() => csvOf(["field", ...chosen.map((r) => r.name || r.id)], shown.map((r) => [r.field, ...r.values]))}
      status={
        <div class="toolbar comparer-toolbar">
          <label class="control">
            <input type="checkbox" checked={onlyDiffs} aria-label="Only differences" onChange={(e) => toggle(e.currentTarget.checked)} />
            <span>Only differences</span>
          </label>
          <span class="muted small">
            {chosen.length} runs{ctx.selected.length ? " selected" : " (select runs in the table to choose)"} · {differing} of {rows.length} rows differ
          </span>
        </div>
      }>
      <div class="comparer-scroll">
        <table class="table comparer" aria-label="Runs compared" data-runs={chosen.length} data-rows={shown.length}>
          <thead>
            <tr>
              <th scope="col">field</th>
              {chosen.map((r) => (
                <th scope="col" key={r.id}>
                  <span class="swatch" style={{ background: ctx.colors.get(r.id) ?? "transparent" }} /> {r.name || r.id}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={row.field} class={row.differs ? "differs" : undefined} data-field={row.field}>
                <th scope="row" title={row.field}>{row.field}</th>
                {row.values.map((v, i) => <td key={i} title={v}>{v}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </PanelFrame>
  );
}
