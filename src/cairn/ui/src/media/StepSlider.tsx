/** A slider over the steps a media key was logged at (it moves step by logged step). */
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
