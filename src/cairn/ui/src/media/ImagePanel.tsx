/** Images of one key: a grid per run at the chosen step (several runs side by side), with
 * captions, box and mask overlays and per-class toggles; a click zooms an image. */
import { useMemo, useState } from "preact/hooks";
import { asList, itemAt, mediaApi, type MediaItem, type MediaRef } from "../api/media";
import { FullScreen } from "../components/FullScreen";
import { BoxLayer, ClassToggles, classesOf, MaskLayer } from "./Overlays";
import { RunLabel, StepSlider, stepsOf, useStep } from "./StepSlider";

export interface RunMedia {
  run: string;
  label: string;
  color: string;
  items: MediaItem[];
}

function ImageView({ image, hidden, colors, onZoom }: { image: MediaRef; hidden: Set<number>; colors: Map<number, string>; onZoom?: () => void }) {
  const body = (
    <div class="media-image" style={{ aspectRatio: `${image.width ?? 1} / ${image.height ?? 1}` }}>
      <img src={mediaApi.blobUrl(image.sha256 ?? "", image.format)} alt={image.caption ?? "logged image"} loading="lazy" />
      {Object.entries(image.masks ?? {}).map(([group, mask]) => (
        <MaskLayer key={group} digest={mask.sha256} hidden={hidden} colors={colors} />
      ))}
      <BoxLayer image={image} hidden={hidden} colors={colors} />
    </div>
  );
  return (
    <figure class="media-figure">
      {onZoom ? (
        <button type="button" class="btn-plain media-zoom" aria-label={`Zoom ${image.caption ?? "image"}`} onClick={onZoom}>
          {body}
        </button>
      ) : (
        body
      )}
      {image.caption && <figcaption>{image.caption}</figcaption>}
    </figure>
  );
}

export function ImagePanel({ mediaKey, runs }: { mediaKey: string; runs: RunMedia[] }) {
  const steps = useMemo(() => stepsOf(runs), [runs]);
  const [step, setStep] = useStep(steps);
  const [hidden, setHidden] = useState<Set<number>>(new Set());
  const [zoomed, setZoomed] = useState<MediaRef | null>(null);
  const shown = runs.map((r) => ({ ...r, images: asList(itemAt(r.items, step)?.value) }));
  const classes = classesOf(shown.flatMap((r) => r.images));
  const colors = new Map(classes.map((c) => [c.id, c.color]));
  const toggle = (id: number) =>
    setHidden((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <section class="panel media-panel" data-media-key={mediaKey} data-type="image">
      <div class="panel-head">
        <h3 class="panel-title">{mediaKey}</h3>
        <StepSlider steps={steps} step={step} onStep={setStep} label={mediaKey} />
      </div>
      <ClassToggles classes={classes} hidden={hidden} onToggle={toggle} />
      <div class="media-runs" style={{ gridTemplateColumns: `repeat(${shown.length}, minmax(0, 1fr))` }}>
        {shown.map((r) => (
          <div class="media-run" key={r.run}>
            {shown.length > 1 && <RunLabel label={r.label} color={r.color} />}
            <div class="media-grid">
              {r.images.map((image, i) => (
                <ImageView key={`${image.sha256}-${i}`} image={image} hidden={hidden} colors={colors} onZoom={() => setZoomed(image)} />
              ))}
              {!r.images.length && <p class="muted">No image at this step.</p>}
            </div>
          </div>
        ))}
      </div>
      {zoomed && (
        <FullScreen title={`${mediaKey} · step ${step}`} onClose={() => setZoomed(null)}>
          <div class="media-zoomed">
            <ImageView image={zoomed} hidden={hidden} colors={colors} />
          </div>
        </FullScreen>
      )}
    </section>
  );
}
