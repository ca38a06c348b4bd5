/** Choose the table's config and summary columns from GET …/columns. Keys every run holds
 * with one value are marked with it; by default the table hides them. */
import { useState } from "preact/hooks";
import type { Columns, Json } from "../../api/types";
import { Icon } from "../../components/Icon";
import { Popover } from "../../components/Popover";
import { formatValue } from "../../lib/format";
import { viewActions } from "./viewState";

const MAX_LISTED = 300;

interface Props {
  available: Columns | undefined;
  chosen: readonly string[];
  onChange: (cols: string[]) => void;
  constant: ReadonlyMap<string, Json> | null;
  constantShown: boolean;
}

export function ColumnPicker(props: Props) {
  return (
    <Popover
      ariaLabel="Columns"
      label={
        <>
          <Icon name="columns" size={14} /> Columns
        </>
      }
    >
      {() => <ColumnList {...props} />}
    </Popover>
  );
}

function ColumnList({ available, chosen, onChange, constant, constantShown }: Props) {
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
      {constant !== null && constant.size > 0 && (
        <label class="constant-check">
          <input type="checkbox" checked={constantShown} onChange={() => viewActions.constantColumns(!constantShown)} />
          Show the {constant.size} constant column{constant.size === 1 ? "" : "s"} (same value in every run)
        </label>
      )}
      <ul class="check-list">
        {matching.slice(0, MAX_LISTED).map((f) => (
          <li key={f}>
            <label>
              <input type="checkbox" checked={set.has(f)} onChange={() => toggle(f)} />
              <span class={f.startsWith("config.") ? "tag-config" : "tag-summary"}>{f.startsWith("config.") ? "config" : "summary"}</span>
              <span class="col-name" title={f}>
                {f.replace(/^(config|summary)\./, "")}
              </span>
              {constant?.has(f) && (
                <span class="muted small col-constant" title="The same in every run">
                  = {formatValue(constant.get(f))}
                </span>
              )}
            </label>
          </li>
        ))}
      </ul>
      {matching.length > MAX_LISTED && <div class="muted small">{matching.length - MAX_LISTED} more: refine the search</div>}
      {all.length === 0 && <div class="muted small">No config or summary keys logged yet.</div>}
    </div>
  );
}
