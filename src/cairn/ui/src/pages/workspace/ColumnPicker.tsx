/** Choose the table's config and summary columns from GET …/columns. */
import { useState } from "preact/hooks";
import type { Columns } from "../../api/types";
import { Icon } from "../../components/Icon";
import { Popover } from "../../components/Popover";

const MAX_LISTED = 300;

interface Props {
  available: Columns | undefined;
  chosen: readonly string[];
  onChange: (cols: string[]) => void;
}

export function ColumnPicker({ available, chosen, onChange }: Props) {
  return (
    <Popover
      ariaLabel="Columns"
      label={
        <>
          <Icon name="columns" size={14} /> Columns
        </>
      }
    >
      {() => <ColumnList available={available} chosen={chosen} onChange={onChange} />}
    </Popover>
  );
}

function ColumnList({ available, chosen, onChange }: Props) {
  const [search, setSearch] = useState("");
  const all = [
    ...(available?.config ?? []).map((k) => `config.${k}`),
    ...(available?.summary ?? []).map((k) => `summary.${k}`),
  ];
  const needle = search.toLowerCase();
  const matching = all.filter((f) => f.toLowerCase().includes(needle));
  const set = new Set(chosen);
  const toggle = (f: string) => onChange(set.has(f) ? chosen.filter((c) => c !== f) : [...chosen, f]);
  return (
    <div class="column-list">
      <input
        class="input"
        type="search"
        placeholder="Search columns"
        aria-label="Search columns"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
        autoFocus
      />
      <div class="column-actions">
        <button type="button" class="btn-link" onClick={() => onChange([])}>
          None
        </button>
        <span class="muted">{chosen.length} shown</span>
      </div>
      <ul class="check-list">
        {matching.slice(0, MAX_LISTED).map((f) => (
          <li key={f}>
            <label>
              <input type="checkbox" checked={set.has(f)} onChange={() => toggle(f)} />
              <span class={f.startsWith("config.") ? "tag-config" : "tag-summary"}>{f.startsWith("config.") ? "config" : "summary"}</span>
              <span class="col-name">{f.replace(/^(config|summary)\./, "")}</span>
            </label>
          </li>
        ))}
      </ul>
      {matching.length > MAX_LISTED && <div class="muted small">{matching.length - MAX_LISTED} more: refine the search</div>}
      {all.length === 0 && <div class="muted small">No config or summary keys logged yet.</div>}
    </div>
  );
}
