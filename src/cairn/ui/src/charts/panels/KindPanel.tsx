/** Workspace panels that show logged media rather than metrics: a media panel (the
 * images, video, audio, molecules, graphs… of one key across the shown runs, with a step
 * slider), a histogram-over-steps panel (a histogram key as a heat map per run), and a
 * custom Vega chart (a logged custom chart's spec, or one pasted in the settings). They
 * follow the table's filter, selection and run colours through the runs the workspace
 * charts (`specs`), and their settings (`mediaKey`, `spec`, `maxRuns`, `title`) live in
 * the layout like every panel's. */
import type { ComponentChildren } from "preact";
import { useMemo } from "preact/hooks";
import type { Run } from "../../api/types";
import { mediaApi, tableDigests, joinDocs, type MediaItem, type MediaRef } from "../../api/media";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useAsync } from "../../lib/useAsync";
import { fillSpec, rowsOf, type TableDoc } from "../../media/CustomChartView";
import { MediaKeyPanel, type MediaRun } from "../../media/MediaPanels";
import { VegaChart } from "../vega/VegaChart";
import type { LineSettings, PanelType } from "../layout";
import type { LineSpec } from "../lines";
import { panelRuns } from "./kinds";
import { keysFor, useMediaKeys } from "./mediaKeys";
import { latestRef, panelSpec, parseSpec, runRow, type VegaRun } from "./vegaPanel";

/** The plot's own height in a panel body of ``body`` pixels (axes and titles take the rest). */
const plotHeight = (body: number) => Math.max(80, body - 100);

const renderLogged = () => import("../../media/vegaSafe").then((m) => m.renderLoggedSpec);

interface PanelProps {
  type: PanelType;
  settings: LineSettings;
  title: string;
  menu: ComponentChildren;
  specs: readonly LineSpec[];
  entity: string;
  project: string;
  height: number;
  runInfo?: (id: string) => Run | undefined;
}

export function KindPanel(props: PanelProps) {
  const runs = panelRuns(props.specs, props.settings);
  return (
    <section class="panel kind-panel" aria-label={props.title} data-panel-type={props.type}>
      <header class="panel-head"><h3 class="panel-title">{props.title}</h3>{props.menu}</header>
      <div class="kind-panel-body" style={{ height: `${props.height}px` }}>
        {!runs.length ? (
          <p class="muted pad">No runs are shown: the table's filter and selection choose them.</p>
        ) : props.type === "vega" ? (
          <VegaBody {...props} runs={runs} />
        ) : (
          <MediaBody {...props} runs={runs} />
        )}
      </div>
    </section>
  );
}

function MediaBody({ type, settings, entity, project, runs }: PanelProps & { runs: MediaRun[] }) {
  const ids = useMemo(() => runs.map((r) => r.id), [runs.map((r) => r.id).join(",")]);
  const keys = useMediaKeys(entity, project, ids);
  const key = settings.mediaKey;
  if (!key) return <p class="muted pad">No key chosen: Settings… in the panel's menu picks one.</p>;
  if (keys.error) return <ErrorBanner error={keys.error} onRetry={keys.reload} />;
  if (!keys.data) return <div class="loading-block" aria-label="loading" />;
  const info = keys.data.find((k) => k.key === key);
  if (!info) return <p class="muted pad">None of the shown runs logged {key}.</p>;
  if (!keysFor(type, [info]).length) return <p class="muted pad">{key} is {info.type === "histogram" ? "a histogram" : `not a histogram (${info.type})`}: this panel shows {type === "histogram" ? "histograms" : "other media"}.</p>;
  return <MediaKeyPanel key={`${key}:${ids.join(",")}`} entity={entity} project={project} runs={runs} info={info} />;
}

/** The latest value of ``key`` in each run (runs without it give undefined). */
async function latestOf(entity: string, project: string, runs: MediaRun[], key: string, signal: AbortSignal): Promise<(MediaRef | undefined)[]> {
  return Promise.all(
    runs.map(async (r) => {
      const items = await mediaApi.items(entity, project, r.id, key, signal).catch((): MediaItem[] => []);
      return latestRef(items[items.length - 1]?.value);
    }),
  );
}

async function tableOf(ref: MediaRef, signal: AbortSignal): Promise<TableDoc> {
  return joinDocs(await Promise.all(tableDigests(ref).map((d) => mediaApi.blobJson<TableDoc>(d, signal))));
}

function VegaBody({ settings, entity, project, runs, height, runInfo }: PanelProps & { runs: MediaRun[] }) {
  const key = settings.mediaKey ?? "";
  const ids = runs.map((r) => `${r.id}=${r.label}=${r.color}`).join(",");
  const loaded = useAsync(
    async (signal): Promise<Record<string, unknown> | null> => {
      const pasted = settings.spec?.trim() ? parseSpec(settings.spec) : null;
      if (!key) {
        if (!pasted) return null;
        const rows: VegaRun[] = runs.map((r) => ({ label: r.label, color: r.color, rows: [runRow(r.label, runInfo?.(r.id))] }));
        return panelSpec(pasted, rows, plotHeight(height));
      }
      const refs = await latestOf(entity, project, runs, key, signal);
      const withKey = runs.map((r, i) => [r, refs[i]] as const).filter((x): x is readonly [MediaRun, MediaRef] => !!x[1]);
      if (!withKey.length) throw new Error(`none of the shown runs logged ${key}`);
      const first = withKey[0]![1];
      if (first._type === "custom-chart") {
        const logged = pasted ?? (await mediaApi.blobJson<Record<string, unknown>>(first.spec ?? "", signal));
        const rows = await Promise.all(
          withKey.map(async ([r, chart]) => ({ label: r.label, color: r.color, rows: chart.table ? rowsOf(await tableOf(chart.table, signal)) : [] })),
        );
        const filled = fillSpec(logged, first.fields ?? {}, first.string_fields ?? {}) as Record<string, unknown>;
        return panelSpec(filled, rows, plotHeight(height));
      }
      if (!pasted) throw new Error(`${key} is a table: paste a Vega-Lite spec in the panel's settings to draw it`);
      const rows = await Promise.all(withKey.map(async ([r, table]) => ({ label: r.label, color: r.color, rows: rowsOf(await tableOf(table, signal)) })));
      return panelSpec(pasted, rows, plotHeight(height));
    },
    [entity, project, ids, key, settings.spec, height],
  );
  if (loaded.error) return <div class="panel-error" role="alert">cannot draw the chart: {loaded.error instanceof Error ? loaded.error.message : String(loaded.error)}</div>;
  if (loaded.data === undefined) return <div class="loading-block" aria-label="loading" />;
  if (loaded.data === null) return <p class="muted pad">No spec: Settings… in the panel's menu takes a logged custom chart's key or a pasted Vega-Lite spec.</p>;
  return <VegaChart spec={loaded.data} label={key || "Vega chart"} load={renderLogged} />;
}
