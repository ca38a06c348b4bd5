/** The run's overview: what it is (state, times, host, group, tags), its notes, config
 * and summary. */
import type { ComponentChildren } from "preact";
import type { Run, RunPatch } from "../../api/types";
import { StateBadge } from "../../components/StateBadge";
import { formatDuration, formatTime, runDuration } from "../../lib/format";
import type { Json } from "../../api/types";
import { Markdown } from "../../components/Markdown";
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
  const { environment: _env, error: _error, pinned_keys: _pinned, ...rest } = meta ?? {};
  return rest;
}

/** The config keys the run pinned (`run.pin_config_keys`), in its order; a key the config
 * does not have is left out. */
export function pinnedConfig(run: Pick<Run, "meta" | "config">): [string, Json][] {
  const keys = run.meta?.pinned_keys;
  if (!Array.isArray(keys)) return [];
  const out: [string, Json][] = [];
  for (const key of keys) {
    const own = typeof key === "string" && Object.prototype.hasOwnProperty.call(run.config, key);
    const value = own ? run.config[key as string] : undefined;
    if (typeof key === "string" && value !== undefined) out.push([key, value]);
  }
  return out;
}

/** Pinned config values: text as Markdown (through the sanitiser), the rest as JSON. */
function Pinned({ run }: { run: Run }) {
  const pinned = pinnedConfig(run);
  if (!pinned.length) return null;
  return (
    <Card title="Pinned" class="card-pinned">
      <dl class="facts">
        {pinned.map(([key, value]) => (
          <Field key={key} label={key}>
            {typeof value === "string" ? <Markdown text={value} /> : <code>{JSON.stringify(value)}</code>}
          </Field>
        ))}
      </dl>
    </Card>
  );
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
        <Pinned run={run} />
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
