/** The filter query builder: rows of field / operator / value, applied as the Mongo-style
 * `filters` JSON of the runs API. A filter the rows cannot express (e.g. `$or`, from a
 * shared link) is shown and edited as JSON. */
import { useEffect, useState } from "preact/hooks";
import type { Columns } from "../../api/types";
import { Icon } from "../../components/Icon";
import {
  filtersToRows,
  OPERATORS,
  rowsToFilters,
  type FilterRow,
  type Filters,
  type Operator,
} from "../../lib/filters";

const BUILTIN_FIELDS = ["state", "name", "tags", "group", "job_type", "host", "created_at", "last_step", "notes"];

interface Props {
  filters: Filters | null;
  columns: Columns | undefined;
  onApply: (filters: Filters | null) => void;
}

const blank = (): FilterRow => ({ field: "", op: "$eq", value: "" });

export function FilterBuilder({ filters, columns, onApply }: Props) {
  const fromUrl = filtersToRows(filters);
  const [rows, setRows] = useState<FilterRow[]>(fromUrl?.length ? fromUrl : [blank()]);
  const [json, setJson] = useState(fromUrl ? null : JSON.stringify(filters, null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const sig = JSON.stringify(filters);
  useEffect(() => {
    const r = filtersToRows(filters);
    if (r) {
      setRows(r.length ? r : [blank()]);
      setJson(null);
    } else setJson(JSON.stringify(filters, null, 2));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sig]);

  const fields = [
    ...BUILTIN_FIELDS,
    ...(columns?.config ?? []).map((k) => `config.${k}`),
    ...(columns?.summary ?? []).map((k) => `summary.${k}`),
  ];
  const update = (i: number, patch: Partial<FilterRow>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const apply = () => {
    if (json !== null) {
      try {
        const v: unknown = JSON.parse(json);
        if (v !== null && (typeof v !== "object" || Array.isArray(v))) throw new Error("a JSON object is needed");
        setJsonError(null);
        onApply(v as Filters | null);
      } catch (e) {
        setJsonError(e instanceof Error ? e.message : String(e));
      }
      return;
    }
    onApply(rowsToFilters(rows));
  };
  const toggleJson = () => {
    if (json === null) {
      setJson(JSON.stringify(rowsToFilters(rows) ?? {}, null, 2));
      return;
    }
    try {
      const parsed = filtersToRows(JSON.parse(json) as Filters);
      if (!parsed) throw new Error("this filter has parts the rows cannot show ($or, $nor, …)");
      setRows(parsed.length ? parsed : [blank()]);
      setJson(null);
      setJsonError(null);
    } catch (e) {
      setJsonError(e instanceof Error ? e.message : String(e));
    }
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Enter") {
      e.preventDefault();
      apply();
    }
  };

  return (
    <div class="filter-builder" role="group" aria-label="Filters">
      <datalist id="filter-fields">
        {fields.map((f) => (
          <option value={f} key={f} />
        ))}
      </datalist>
      {json !== null ? (
        <div class="filter-json">
          <label class="field-label" for="filter-json">
            Filter (JSON)
          </label>
          <textarea id="filter-json" rows={4} value={json} onInput={(e) => setJson(e.currentTarget.value)} />
          {jsonError && <div class="inline-error">{jsonError}</div>}
        </div>
      ) : (
        rows.map((row, i) => (
          <div class="filter-row" key={i}>
            <input
              class="input"
              list="filter-fields"
              placeholder="field, e.g. config.lr"
              aria-label={`Filter ${i + 1} field`}
              value={row.field}
              onInput={(e) => update(i, { field: e.currentTarget.value })}
              onKeyDown={onKey}
            />
            <select
              class="input"
              aria-label={`Filter ${i + 1} operator`}
              value={row.op}
              onChange={(e) => update(i, { op: e.currentTarget.value as Operator })}
            >
              {OPERATORS.map((o) => (
                <option value={o.op} key={o.op}>
                  {o.label}
                </option>
              ))}
            </select>
            <input
              class="input"
              placeholder={row.op === "$in" || row.op === "$nin" ? "a, b, c" : row.op === "$exists" ? "true" : "value"}
              aria-label={`Filter ${i + 1} value`}
              value={row.value}
              onInput={(e) => update(i, { value: e.currentTarget.value })}
              onKeyDown={onKey}
            />
            <button
              type="button"
              class="icon-btn"
              aria-label={`Remove filter ${i + 1}`}
              onClick={() => setRows(rows.length > 1 ? rows.filter((_, j) => j !== i) : [blank()])}
            >
              <Icon name="close" size={12} />
            </button>
          </div>
        ))
      )}
      <div class="filter-actions">
        {json === null && (
          <button type="button" class="btn btn-small" onClick={() => setRows([...rows, blank()])}>
            <Icon name="plus" size={12} /> Add filter
          </button>
        )}
        <button type="button" class="btn btn-small" onClick={toggleJson}>
          {json === null ? "Edit as JSON" : "Edit as rows"}
        </button>
        <span class="spacer" />
        <button
          type="button"
          class="btn btn-small"
          onClick={() => {
            setRows([blank()]);
            setJson(null);
            onApply(null);
          }}
        >
          Clear
        </button>
        <button type="button" class="btn btn-small btn-primary" onClick={apply}>
          Apply filters
        </button>
      </div>
    </div>
  );
}
