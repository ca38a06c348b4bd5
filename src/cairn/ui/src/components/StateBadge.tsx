import type { RunState } from "../api/types";

/** A run's state, colour-coded; a running run pulses. */
export function StateBadge({ state }: { state: RunState | string }) {
  return (
    <span class={`state state-${state}`} title={`state: ${state}`}>
      <span class="state-dot" aria-hidden="true" />
      {state}
    </span>
  );
}
