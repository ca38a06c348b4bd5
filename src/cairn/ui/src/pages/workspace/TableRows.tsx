/** The runs table's body rows: a run (select, eye, cells), a group header, a row still loading. */
import type { Run } from "../../api/types";
import { Icon } from "../../components/Icon";
import type { Group } from "./chartRuns";
import type { Column } from "./tableColumns";

interface Placed {
  /** Position in the table (0-based, header excluded) and offset in pixels. */
  index: number;
  start: number;
  template: string;
}

function placement({ index, start, template }: Placed) {
  return { "aria-rowindex": index + 2, style: { transform: `translateY(${start}px)`, gridTemplateColumns: template } };
}

export function EyeButton({ shown, name, onToggle }: { shown: boolean; name: string; onToggle: () => void }) {
  return (
    <button
      type="button"
      class={shown ? "icon-btn eye eye-on" : "icon-btn eye"}
      aria-pressed={shown}
      aria-label={`Show ${name} in charts`}
      title={shown ? "Shown in charts: click to hide" : "Hidden from charts: click to show"}
      onClick={onToggle}
    >
      <Icon name={shown ? "eye" : "eyeOff"} size={15} />
    </button>
  );
}

interface RunRowProps extends Placed {
  run: Run;
  columns: readonly Column[];
  selected: boolean;
  shown: boolean;
  onSelect: () => void;
  onToggleChart: () => void;
}

export function RunRow({ run, columns, selected, shown, onSelect, onToggleChart, ...place }: RunRowProps) {
  const name = run.name || run.id;
  return (
    <div class={selected ? "tr tr-selected" : "tr"} role="row" data-run={run.id} {...placement(place)}>
      <span role="cell" class="td-check">
        <input type="checkbox" checked={selected} aria-label={`Select ${name}`} onChange={onSelect} />
      </span>
      <span role="cell">
        <EyeButton shown={shown} name={name} onToggle={onToggleChart} />
      </span>
      {columns.map((c) => (
        <span role="cell" class={c.numeric ? "td td-num" : "td"} key={c.id}>
          {c.cell(run)}
        </span>
      ))}
    </div>
  );
}

interface GroupRowProps extends Placed {
  group: Group;
  color: string;
  open: boolean;
  shown: boolean;
  onOpen: () => void;
  onToggleChart: () => void;
}

export function GroupRow({ group: g, color, open, shown, onOpen, onToggleChart, ...place }: GroupRowProps) {
  return (
    <div class="tr tr-group" role="row" {...placement(place)}>
      <span role="cell" />
      <span role="cell">
        <EyeButton shown={shown} name={`group ${g.value}`} onToggle={onToggleChart} />
      </span>
      <span role="cell" class="group-cell" style={{ gridColumn: "3 / -1" }}>
        <button
          type="button"
          class="btn-plain group-toggle"
          aria-expanded={open}
          aria-label={`Group ${g.value}, ${g.runs.length} runs`}
          onClick={onOpen}
        >
          <span class={open ? "chev chev-open" : "chev"}>
            <Icon name="chevron" size={12} />
          </span>
          <span class="swatch" style={{ background: color }} aria-hidden="true" />
          <strong>{g.value}</strong>
          <span class="muted">
            {g.runs.length} run{g.runs.length === 1 ? "" : "s"}
          </span>
        </button>
      </span>
    </div>
  );
}

export function LoadingRow(place: Placed) {
  return (
    <div class="tr tr-loading" role="row" {...placement(place)}>
      <span role="cell" class="skeleton" style={{ gridColumn: "1 / -1" }} />
    </div>
  );
}
