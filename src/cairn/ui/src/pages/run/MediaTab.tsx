/** The run's "Media" tab: a panel per history key that holds media, by type. */
import { useState } from "preact/hooks";
import { asList, itemAt, mediaApi, type MediaKey, type MediaRef } from "../../api/media";
import type { RunDetail } from "../../api/types";
import { ErrorBanner } from "../../components/ErrorBanner";
import { runColor } from "../../lib/colors";
import { useAsync } from "../../lib/useAsync";
import { CustomChartView } from "../../media/CustomChartView";
import { HistogramPanel } from "../../media/HistogramPanel";
import { ImagePanel, type RunMedia } from "../../media/ImagePanel";
import { AudioView, HtmlView, JsonFileView, VideoView } from "../../media/OtherPanels";
import { StepSlider } from "../../media/StepSlider";
import { TableView } from "../../media/TablePanel";

function OneView({ value, label }: { value: MediaRef; label: string }) {
  switch (value._type) {
    case "table-file":
      return <TableView digest={value.sha256 ?? ""} label={label} />;
    case "audio-file":
      return <AudioView audio={value} />;
    case "video-file":
      return <VideoView video={value} />;
    case "html-file":
      return <HtmlView page={value} />;
    case "custom-chart":
      return <CustomChartView chart={value} label={label} />;
    case "object3D-file":
      return <JsonFileView file={value} label="3D object" />;
    case "plotly-file":
      return <JsonFileView file={value} label="Plotly figure" />;
    default:
      return <p class="muted">{value._type}</p>;
  }
}

/** Media other than images and histograms: the values at the chosen step. */
function StepPanel({ mediaKey, type, runs }: { mediaKey: string; type: string; runs: RunMedia[] }) {
  const steps = [...new Set(runs.flatMap((r) => r.items.map((i) => i.step)))].sort((a, b) => a - b);
  const [step, setStep] = useState<number>(steps[steps.length - 1] ?? 0);
  const wide = type === "table-file" || type === "custom-chart" || type === "html-file";
  return (
    <section class={wide ? "panel media-panel media-wide" : "panel media-panel"} data-media-key={mediaKey} data-type={type}>
      <div class="panel-head">
        <h3 class="panel-title">{mediaKey}</h3>
        <StepSlider steps={steps} step={step} onStep={setStep} label={mediaKey} />
      </div>
      {runs.map((r) => (
        <div class="media-run" key={r.run}>
          {asList(itemAt(r.items, step)?.value).map((value, i) => (
            <OneView key={`${value.sha256 ?? value.spec}-${i}`} value={value} label={mediaKey} />
          ))}
        </div>
      ))}
    </section>
  );
}

function KeyPanel({ run, info }: { run: RunDetail; info: MediaKey }) {
  const items = useAsync((s) => mediaApi.items(run.entity, run.project, run.id, info.key, s), [run.id, info.key, info.count]);
  if (items.error) return <ErrorBanner error={items.error} onRetry={items.reload} />;
  if (!items.data) return <section class="panel media-panel" aria-busy="true"><div class="loading-block" /></section>;
  const runs: RunMedia[] = [{ run: run.id, label: run.name || run.id, color: runColor(run.id), items: items.data }];
  if (info.type === "image-file") return <ImagePanel mediaKey={info.key} runs={runs} />;
  if (info.type === "histogram") return <HistogramPanel mediaKey={info.key} runs={runs} />;
  return <StepPanel mediaKey={info.key} type={info.type} runs={runs} />;
}

export function MediaTab({ run }: { run: RunDetail }) {
  const keys = useAsync((s) => mediaApi.keys(run.entity, run.project, run.id, s), [run.id, run.last_step]);
  if (keys.error) return <ErrorBanner error={keys.error} onRetry={keys.reload} />;
  if (!keys.data) return <div class="loading-block" aria-label="loading" />;
  if (!keys.data.length) {
    return (
      <div class="empty-state">
        <h2>No media logged</h2>
        <p class="muted">Log images, tables, histograms and more: run.log({"{"}"examples": cairn.Image(array){"}"}).</p>
      </div>
    );
  }
  return (
    <div class="media-tab">
      {keys.data.map((info) => <KeyPanel key={info.key} run={run} info={info} />)}
    </div>
  );
}
