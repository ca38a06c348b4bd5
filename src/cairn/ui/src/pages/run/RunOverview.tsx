/** The run's overview: what it is (state, times, host, group, tags), its notes, config
 * and summary. */
import type { ComponentChildren } from "preact";
import type { Run, RunPatch } from "../../api/types";
import { StateBadge } from "../../components/StateBadge";
import { formatDuration, formatTime, runDuration } from "../../lib/format";
import { ConfigTree } from "./ConfigTree";
import { KeyValues } from "./KeyValues";
import { EnvironmentCard } from "./EnvironmentCard";
import { NotesEditor } from "./NotesEditor";
import { RunAlerts } from "./RunAlerts";
import { RunError } from "./RunError";
import { TagsEditor } from "./TagsEditor";

function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function Card({ title, children, class: cls }: { title: string; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${cls ?? ""}`} aria-label={title}>
      <h2 class="card-title">{title}</h2>
      {children}
    </section>
  );
}

/** The metadata not shown by a card of its own (environment, error). */
function sessionMeta(meta: Run["meta"] | undefined): Run["meta"] {
  const { environment: _env, error: _error, ...rest } = meta ?? {};
  return rest;
}

export function RunOverview({ run, onPatch }: { run: Run; onPatch: (p: RunPatch) => Promise<void> }) {
  return (
    <div class="overview">
      <div class="overview-col">
        <Card title="Run">
          <dl class="facts">
            <Field label="State">
              <StateBadge state={run.state} />
              {run.exit_code !== null && run.exit_code !== 0 && <span class="muted small"> exit code {run.exit_code}</span>}
            </Field>
            <Field label="ID"><code>{run.id}</code></Field>
            <Field label="Created">{formatTime(run.created_at)}</Field>
            <Field label="Duration">{formatDuration(runDuration(run))}</Field>
            {run.finished_at !== null && <Field label="Finished">{formatTime(run.finished_at)}</Field>}
            <Field label="Last step">{run.last_step ?? "–"}</Field>
            <Field label="Host">{run.host ?? "–"}</Field>
            <Field label="Group">{run.group ?? "–"}</Field>
            <Field label="Job type">{run.job_type ?? "–"}</Field>
            <Field label="Tags">
              <TagsEditor tags={run.tags} onSave={(tags) => onPatch({ tags })} />
            </Field>
          </dl>
        </Card>
        {run.meta?.error && <RunError error={run.meta.error} />}
        <RunAlerts run={run} />
        <EnvironmentCard run={run} />
        <Card title="Notes" class="card-notes">
          <NotesEditor notes={run.notes ?? ""} onSave={(notes) => onPatch({ notes })} />
        </Card>
        <Card title="Metadata">
          <KeyValues obj={sessionMeta(run.meta)} label="metadata" />
        </Card>
      </div>
      <div class="overview-col">
        <Card title="Config">
          <ConfigTree config={run.config} />
        </Card>
        <Card title="Summary">
          <KeyValues obj={run.summary} label="summary" />
        </Card>
      </div>
    </div>
  );
}
