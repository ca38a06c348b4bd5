/** The runs table's header: select-all, the eye column, sortable column headers. */
import { Icon } from "../../components/Icon";
import type { Column } from "./tableColumns";

interface Props {
  columns: readonly Column[];
  template: string;
  order: string;
  allSelected: boolean;
  onSelectAll: () => void;
  onSort: (order: string) => void;
}

export function TableHeader({ columns, template, order, allSelected, onSelectAll, onSort }: Props) {
  return (
    <div class="tr thead" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
      <span role="columnheader" class="td-check">
        <input type="checkbox" aria-label="Select all loaded runs" checked={allSelected} onChange={onSelectAll} />
      </span>
      <span role="columnheader" class="th-icon" title="Shown in charts">
        <Icon name="eye" size={14} />
      </span>
      {columns.map((c) => (
        <HeaderCell key={c.id} column={c} order={order} onSort={onSort} />
      ))}
    </div>
  );
}

function HeaderCell({ column, order, onSort }: { column: Column; order: string; onSort: (o: string) => void }) {
  if (!column.sort) {
    return (
      <span role="columnheader" class="th">
        {column.label}
      </span>
    );
  }
  const desc = order === `-${column.sort}`;
  const asc = order === column.sort;
  // Click: descending, then ascending, then back to the default (newest first).
  const next = desc ? column.sort : asc ? "-created_at" : `-${column.sort}`;
  return (
    <span role="columnheader" aria-sort={desc ? "descending" : asc ? "ascending" : "none"} class={column.numeric ? "th th-num" : "th"}>
      <button
        type="button"
        class="btn-plain th-btn"
        title={column.sort}
        onClick={() => onSort(next)}
        aria-label={`Sort by ${column.part ? `${column.part} ` : ""}${column.label}`}
      >
        {column.part && (
          <span class={`th-part tag-${column.part}`} title={column.part}>
            {column.part === "config" ? "C" : "S"}
          </span>
        )}
        <span class="th-label">{column.label}</span>
        <span class="sort-mark" aria-hidden="true">
          {desc ? "↓" : asc ? "↑" : ""}
        </span>
      </button>
    </span>
  );
}
