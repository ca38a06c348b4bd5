/** One sweep: its state and controls, the metric over trials with the running best,
 * parallel coordinates, parameter importance, a scatter of any parameter against the
 * metric, the trials table (sortable, the best highlighted) and the config. Live while the
 * sweep runs. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { sweepsApi, type ParamImportance, type Sweep, type SweepState, type Trial } from "../../api/sweeps";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { StateBadge } from "../../components/StateBadge";
import { paths } from "../../router";
import { Importance, MetricOverTrials, ParallelCoordinates, Scatter, formatValue } from "./SweepCharts";
import { SweepCardExport } from "./SweepCardExport";
import "./sweeps.css";

const REFRESH_MS = 2000;
const CONTROLS: { label: string; state: SweepState; when: SweepState[] }[] = [
  { label: "Pause", state: "paused", when: ["running"] },
  { label: "Resume", state: "running", when: ["paused"] },
  { label: "Stop", state: "finished", when: ["running", "paused"] },
  { label: "Cancel", state: "canceled", when: ["running", "paused"] },
];

type SortKey = { key: string; desc: boolean };

function sortValue(t: Trial, key: string): unknown {
  if (key === "number") return t.number;
  if (key === "state") return t.state;
  if (key === "value") return t.value;
  return t.params[key];
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return formatValue(a).localeCompare(formatValue(b));
}

export function SweepPage({ entity, project, id }: { entity: string; project: string; id: string }) {
  const [sweep, setSweep] = useState<Sweep | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [sort, setSort] = useState<SortKey>({ key: "number", desc: false });
  const [scatterParam, setScatterParam] = useState<string | null>(null);
  const [importance, setImportance] = useState<ParamImportance | null>(null);
  const reported = sweep ? sweep.trials.filter((t) => t.value !== null).length : -1;
  const live = sweep === null || sweep.state === "running" || sweep.state === "paused" || sweep.states.running;

  useEffect(() => {
    document.title = `Sweep ${id} · ${project} · cairn`;
    const ctl = new AbortController();
    const refresh = () =>
      sweepsApi.get(entity, project, id, ctl.signal).then(
        (found) => {
          setError(undefined);
          setSweep(found);
        },
        (e: unknown) => !ctl.signal.aborted && setError(e),
      );
    void refresh();
    const timer = live ? setInterval(() => void refresh(), REFRESH_MS) : undefined;
    return () => {
      ctl.abort();
      if (timer !== undefined) clearInterval(timer);
    };
  }, [entity, project, id, live]);

  // The model is refitted only when another trial has reported a value.
  useEffect(() => {
    if (reported < 0) return;
    const ctl = new AbortController();
    sweepsApi.importance(entity, project, id, ctl.signal).then(setImportance, (e: unknown) => !ctl.signal.aborted && setError(e));
    return () => ctl.abort();
  }, [entity, project, id, reported]);

  const params = useMemo(() => {
    const names = new Set<string>();
    for (const t of sweep?.trials ?? []) for (const k of Object.keys(t.params)) names.add(k);
    return [...names].sort();
  }, [sweep]);
  // The parameters that vary (constants would be flat lines on every chart).
  const searched = useMemo(
    () => params.filter((p) => new Set((sweep?.trials ?? []).map((t) => formatValue(t.params[p]))).size > 1),
    [sweep, params],
  );
  const bestNumber = useMemo(() => {
    if (!sweep) return null;
    let best: Trial | null = null;
    for (const t of sweep.trials) {
      if (t.value === null) continue;
      if (best === null || (sweep.metric?.goal === "maximize" ? t.value > best.value! : t.value < best.value!)) best = t;
    }
    return best?.number ?? null;
  }, [sweep]);
  const rows = useMemo(() => {
    const list = [...(sweep?.trials ?? [])];
    list.sort((a, b) => compare(sortValue(a, sort.key), sortValue(b, sort.key)) * (sort.desc ? -1 : 1));
    return list;
  }, [sweep, sort]);

  const act = async (state: SweepState) => {
    try {
      setSweep(await sweepsApi.setState(entity, project, id, state));
    } catch (e) {
      setError(e);
    }
  };
  const header = (key: string, label: string) => (
    <th
      aria-sort={sort.key === key ? (sort.desc ? "descending" : "ascending") : "none"}
      onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : false }))}
      class="sortable"
    >
      {label}
      {sort.key === key ? (sort.desc ? " ▾" : " ▴") : ""}
    </th>
  );
  const shownScatter = scatterParam ?? searched[0] ?? params[0] ?? null;

  return (
    <main class="page sweep-page" id="main">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href={paths.projects()}>Projects</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.workspace(entity, project)}>{project}</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.sweeps(entity, project)}>Sweeps</Link>
        <span aria-hidden="true">/</span>
        <span>{id}</span>
      </nav>
      {error !== undefined && <ErrorBanner error={error} />}
      {sweep === null && error === undefined && <div class="loading-block" aria-label="loading" />}
      {sweep !== null && (
        <>
          <div class="page-head sweep-head">
            <h1>{sweep.name}</h1>
            <StateBadge state={sweep.state} />
            <span class="muted">
              {sweep.method} · {sweep.trial_count} trials
              {sweep.metric ? ` · ${sweep.metric.goal} ${sweep.metric.name} · best ${formatValue(sweep.best)}` : ""}
            </span>
            <span class="spacer" />
            {CONTROLS.filter((c) => c.when.includes(sweep.state)).map((c) => (
              <button key={c.label} type="button" class="btn btn-small" onClick={() => void act(c.state)}>
                {c.label}
              </button>
            ))}
          </div>
          <SweepCardExport title="Metric over trials" heading={`${sweep.metric?.name ?? "Metric"} over trials (line: running best)`}
            sweep={sweep} params={params}>
            <MetricOverTrials sweep={sweep} />
          </SweepCardExport>
          <div class="sweep-grid">
            <SweepCardExport title="Sweep parallel coordinates" heading="Parallel coordinates" sweep={sweep} params={params}>
              <ParallelCoordinates sweep={sweep} params={searched.length ? searched : params} />
            </SweepCardExport>
            <section class="card">
              <h2 class="card-title">Parameter importance</h2>
              <Importance sweep={sweep} importance={importance} />
            </section>
          </div>
          {shownScatter !== null && (
            <SweepCardExport title={`Sweep scatter ${shownScatter}`} sweep={sweep} params={params} heading={<>
                <label>
                  Scatter of{" "}
                  <select
                    class="input"
                    aria-label="scatter parameter"
                    value={shownScatter}
                    onChange={(e) => setScatterParam((e.target as HTMLSelectElement).value)}
                  >
                    {params.map((p) => (
                      <option key={p} value={p}>
                        {p}
                      </option>
                    ))}
                  </select>{" "}
                  against {sweep.metric?.name ?? "the metric"}
                </label>
              </>}>
              <Scatter sweep={sweep} param={shownScatter} />
            </SweepCardExport>
          )}
          <section class="card">
            <h2 class="card-title">Trials</h2>
            <div class="trials-scroll">
              <table class="table trials-table">
                <thead>
                  <tr>
                    {header("number", "#")}
                    <th>Run</th>
                    {header("state", "State")}
                    {header("value", sweep.metric?.name ?? "value")}
                    {params.map((p) => header(p, p))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((t) => (
                    <tr key={t.number} class={t.number === bestNumber ? "best-trial" : ""} data-trial={t.number}>
                      <td>{t.number}</td>
                      <td>
                        <Link href={paths.run(entity, project, t.run_id)}>{t.run_name ?? t.run_id}</Link>
                      </td>
                      <td title={t.stop_reason ?? undefined}>
                        <StateBadge state={t.state} />
                      </td>
                      <td class="num">{formatValue(t.value)}</td>
                      {params.map((p) => (
                        <td key={p} class="num">
                          {formatValue(t.params[p])}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section class="card">
            <h2 class="card-title">Config</h2>
            <pre class="sweep-config">{JSON.stringify(sweep.config, null, 2)}</pre>
          </section>
        </>
      )}
    </main>
  );
}
