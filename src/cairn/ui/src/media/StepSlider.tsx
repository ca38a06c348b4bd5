/** A slider over the steps a media key was logged at (it moves step by logged step), and
 * what the panels around it share: the steps of several runs, a run's label. */
import { useState } from "preact/hooks";
import type { MediaItem } from "../api/media";

/** The step a panel shows: the latest (following new steps as they arrive) until the
 * viewer picks an earlier one. */
export function useStep(steps: number[]): [number, (step: number) => void] {
  const [picked, setPicked] = useState<number | null>(null);
  const last = steps[steps.length - 1] ?? 0;
  return [picked ?? last, (step: number) => setPicked(step >= last ? null : step)];
}

/** Every step any of the runs logged the key at, in order. */
export function stepsOf(runs: readonly { items: MediaItem[] }[]): number[] {
  return [...new Set(runs.flatMap((r) => r.items.map((i) => i.step)))].sort((a, b) => a - b);
}

/** The run a column of a side-by-side panel belongs to. */
export function RunLabel({ label, color }: { label: string; color: string }) {
  return (
    <div class="media-run-label">
      <span class="swatch" style={{ background: color }} aria-hidden="true" />
      {label}
    </div>
  );
}

export function StepSlider({ steps, step, onStep, label }: { steps: number[]; step: number; onStep: (s: number) => void; label: string }) {
  if (steps.length < 2) return steps.length ? <span class="muted media-step">step {steps[0]}</span> : null;
  const at = Math.max(0, steps.findIndex((s) => s >= step));
  return (
    <label class="media-slider">
      <span class="muted">step</span>
      <input
        type="range"
        min={0}
        max={steps.length - 1}
        value={at}
        aria-label={`${label}: step`}
        onInput={(e) => onStep(steps[Number((e.target as HTMLInputElement).value)] ?? step)}
      />
      <output class="media-step">{steps[at]}</output>
    </label>
  );
}
