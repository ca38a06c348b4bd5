/** One panel per media key, over one run (the run page) or several side by side (the
 * workspace): images and histograms share a step slider across runs; other media show
 * each run's value at the chosen step. */
import { useEffect, useRef, useState } from "preact/hooks";
import { appendItems, asList, itemAt, mediaApi, nextStep, tableDigests, type MediaItem, type MediaKey, type MediaRef } from "../api/media";
import { ErrorBanner } from "../components/ErrorBanner";
import { useAsync } from "../lib/useAsync";
import { useVisible } from "../lib/useVisible";
import { CustomChartView } from "./CustomChartView";
import { HistogramPanel } from "./HistogramPanel";
import { Object3DView } from "./Object3DView";
import { PlotlyView } from "./PlotlyView";
import { ImagePanel, type RunMedia } from "./ImagePanel";
import { AudioView, HtmlView, VideoView } from "./AudioVideoHtmlViews";
import { RunLabel, StepSlider, stepsOf, useStep } from "./StepSlider";
import { TableView } from "./TablePanel";
import { lazyView } from "./lazyView";

const MoleculeView = lazyView(() => import("./MoleculeView").then((m) => m.MoleculeView));
const GraphView = lazyView(() => import("./GraphView").then((m) => m.GraphView));

/** Types whose panel takes the whole row. */
const WIDE = ["table-file", "incremental-table-file", "custom-chart", "html-file", "plotly-file", "graph-file"];

export interface MediaRun {
  id: string;
  label: string;
  color: string;
}

export function OneView({ value, label }: { value: MediaRef; label: string }) {
  switch (value._type) {
    case "table-file":
    case "incremental-table-file":
      return <TableView digests={tableDigests(value)} label={label} />;
    case "audio-file":
      return <AudioView audio={value} />;
    case "video-file":
      return <VideoView video={value} />;
    case "html-file":
      return <HtmlView page={value} />;
    case "custom-chart":
      return <CustomChartView chart={value} label={label} />;
    case "object3D-file":
      return <Object3DView object={value} />;
    case "plotly-file":
      return <PlotlyView figure={value} label={label} />;
    case "molecule-file":
      return <MoleculeView molecule={value} />;
    case "graph-file":
      return <GraphView graph={value} />;
    default:
      return <FileView value={value} />;
  }
}

/** Media with no viewer of their own (joined tables, types this version does not know):
 * their type and caption, and their stored file to download. */
export function FileView({ value }: { value: MediaRef }) {
  const name = `${value._type.replace(/-file$/, "")}.${value.format ?? "json"}`;
  return (
    <p class="muted media-file" data-type={value._type}>
      {value._type}
      {value.caption ? ` · ${value.caption}` : ""}{" "}
      {value.sha256 && (
        <a href={mediaApi.blobUrl(value.sha256)} download={name}>
          download
        </a>
      )}
    </p>
  );
}

/** Media other than images and histograms: each run's values at the chosen step. */
function StepPanel({ mediaKey, type, runs }: { mediaKey: string; type: string; runs: RunMedia[] }) {
  const steps = stepsOf(runs);
  const [step, setStep] = useStep(steps);
  const wide = WIDE.includes(type);
  return (
    <section class="panel media-panel" data-media-key={mediaKey} data-type={type}>
      <div class="panel-head">
        <h3 class="panel-title">{mediaKey}</h3>
        <StepSlider steps={steps} step={step} onStep={setStep} label={mediaKey} />
      </div>
      <div class="media-runs" style={{ gridTemplateColumns: `repeat(${wide ? 1 : runs.length}, minmax(0, 1fr))` }}>
        {runs.map((r) => (
          <div class="media-run" key={r.run}>
            {runs.length > 1 && <RunLabel label={r.label} color={r.color} />}
            {asList(itemAt(r.items, step)?.value).map((value, i) => (
              <OneView key={`${value.sha256 ?? value.spec}-${i}`} value={value} label={runs.length > 1 ? `${mediaKey} (${r.label})` : mediaKey} />
            ))}
          </div>
        ))}
      </div>
    </section>
  );
}

/** The panel of ``info`` over ``runs``, fetched once it comes near the screen (a run page
 * with many media keys loads only what is looked at). */
export function MediaKeyPanel(props: { entity: string; project: string; runs: MediaRun[]; info: MediaKey }) {
  const [ref, visible] = useVisible<HTMLDivElement>();
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    if (visible) setSeen(true);
  }, [visible]);
  return (
    <div ref={ref} class={WIDE.includes(props.info.type) ? "media-slot media-wide" : "media-slot"}>
      {seen ? <LoadedKeyPanel {...props} /> : <div class="panel media-panel media-placeholder" aria-busy="true"><h3 class="panel-title">{props.info.key}</h3></div>}
    </div>
  );
}

/** The panel of ``info`` over ``runs`` (runs without the key are left out). */
function LoadedKeyPanel({ entity, project, runs, info }: { entity: string; project: string; runs: MediaRun[]; info: MediaKey }) {
  const ids = runs.map((r) => r.id).join(",");
  // What each run's key has loaded so far: when the key gains steps only the new ones
  // are fetched and appended.
  const loaded = useRef(new Map<string, MediaItem[]>());
  const items = useAsync(
    (s) =>
      Promise.all(
        runs.map(async (r) => {
          const id = `${r.id}\u0000${info.key}`;
          const had = loaded.current.get(id) ?? [];
          const fresh = await mediaApi.items(entity, project, r.id, info.key, s, nextStep(had)).catch((e: unknown) => {
            if (e instanceof Error && "status" in e && (e as { status: number }).status === 404) return [] as MediaItem[];
            throw e;
          });
          const all = appendItems(had, fresh);
          loaded.current.set(id, all);
          return all;
        }),
      ),
    [entity, project, ids, info.key, info.count],
  );
  if (items.error) return <ErrorBanner error={items.error} onRetry={items.reload} />;
  if (!items.data) return <section class="panel media-panel" aria-busy="true"><div class="loading-block" /></section>;
  const withItems: RunMedia[] = runs
    .map((r, i) => ({ run: r.id, label: r.label, color: r.color, items: items.data?.[i] ?? [] }))
    .filter((r) => r.items.length > 0);
  if (info.type === "image-file") return <ImagePanel mediaKey={info.key} runs={withItems} />;
  if (info.type === "histogram") return <HistogramPanel mediaKey={info.key} runs={withItems} />;
  return <StepPanel mediaKey={info.key} type={info.type} runs={withItems} />;
}

/** The media keys of several runs, merged by key (counts added up). */
export function mergeKeys(lists: MediaKey[][]): MediaKey[] {
  const byKey = new Map<string, MediaKey>();
  for (const list of lists) {
    for (const k of list) {
      const seen = byKey.get(k.key);
      if (!seen) byKey.set(k.key, { ...k, steps: [] });
      else byKey.set(k.key, { ...seen, count: seen.count + k.count });
    }
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}
