/** A sweep chart's card with an export menu (PNG, SVG, the trials as CSV) beside its title. */
import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";
import type { Sweep } from "../../api/sweeps";
import { csvOf } from "../../charts/export";
import { FigureExportMenu } from "../../charts/FigureExportMenu";

/** The trials as CSV: number, run, state, the metric, then each parameter. */
export function trialsCsv(sweep: Sweep, params: readonly string[]): string {
  const cell = (v: unknown) => (v === undefined || v === null ? null : typeof v === "object" ? JSON.stringify(v) : (v as string | number | boolean));
  return csvOf(
    ["trial", "run_id", "run_name", "state", sweep.metric?.name ?? "value", ...params],
    sweep.trials.map((t) => [t.number, t.run_id, t.run_name, t.state, t.value, ...params.map((p) => cell(t.params[p]))]),
  );
}

interface Props {
  title: string;
  heading: ComponentChildren;
  sweep: Sweep;
  params: readonly string[];
  children: ComponentChildren;
}

export function SweepCardExport({ title, heading, sweep, params, children }: Props) {
  const card = useRef<HTMLElement>(null);
  return (
    <section class="card" ref={card}>
      <div class="card-head">
        <h2 class="card-title">{heading}</h2>
        <FigureExportMenu title={title} figure={() => card.current} csv={() => trialsCsv(sweep, params)} />
      </div>
      {children}
    </section>
  );
}
