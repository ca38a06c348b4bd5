/** The runs table's header: select-all, the eye column, sortable column headers with the
 * full key in a tooltip, and a handle on each header's right edge that resizes the column
 * (drag; double-click for the default width). */
import { Icon } from "../../components/Icon";
import { useWidthDrag } from "../../components/Splitter";
import type { Column } from "./tableColumns";

interface Props {
  columns: readonly Column[];
  template: string;
  order: string;
  allSelected: boolean;
  onSelectAll: () => void;
  onSort: (order: string) => void;
  widthOf: (c: Column) => number;
  onResize: (id: string, width: number | null) => void;
}

export function TableHeader({ columns, template, order, allSelected, onSelectAll, onSort, widthOf, onResize }: Props) {
  return (
    <div class="tr thead" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
      <span role="columnheader" class="td-check">
        <input type="checkbox" aria-label="Select all loaded runs" checked={allSelected} onChange={onSelectAll} />
      </span>
      <span role="columnheader" class="th-icon" title="Shown in charts">
        <Icon name="eye" size={14} />
      </span>
      {columns.map((c) => (
        <HeaderCell key={c.id} column={c} order={order} onSort={onSort} width={widthOf(c)} onResize={onResize} />
      ))}
    </div>
  );
}

/** A key as a header: the last part (after the last / or .) in full, what leads to it
 * dimmed and cut first when the column is narrow. */
function HeaderLabel({ label }: { label: string }) {
  const cut = Math.max(label.lastIndexOf("/"), label.lastIndexOf("."));
  if (cut <= 0 || cut === label.length - 1) return <span class="th-label">{label}</span>;
  return (
    <span class="th-label th-split">
      <span class="th-prefix">{label.slice(0, cut + 1)}</span>
      <span class="th-leaf">{label.slice(cut + 1)}</span>
    </span>
  );
}

function ResizeHandle({ column, width, onResize }: { column: Column; width: number; onResize: (id: string, w: number | null) => void }) {
  const startDrag = useWidthDrag(width, (w) => onResize(column.id, w));
  return (
    <span
      class="col-resize"
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize column ${column.id}`}
      aria-valuenow={width}
      tabIndex={-1}
      title="Drag to resize; double-click for the default width"
      onPointerDown={(e) => {
        e.preventDefault();
        e.stopPropagation();
        startDrag(e.clientX);
      }}
      onClick={(e) => e.stopPropagation()}
      onDblClick={(e) => {
        e.stopPropagation();
        onResize(column.id, null);
      }}
    />
  );
}

interface CellProps {
  column: Column;
  order: string;
  onSort: (o: string) => void;
  width: number;
  onResize: (id: string, w: number | null) => void;
}

function HeaderCell({ column, order, onSort, width, onResize }: CellProps) {
  const full = column.part ? `${column.id} (${column.part})` : column.label;
  const handle = <ResizeHandle column={column} width={width} onResize={onResize} />;
  if (!column.sort) {
    return (
      <span role="columnheader" class="th" title={full} data-column={column.id}>
        {column.label}
        {handle}
      </span>
    );
  }
  const desc = order === `-${column.sort}`;
  const asc = order === column.sort;
  // Click: descending, then ascending, then back to the default (newest first).
  const next = desc ? column.sort : asc ? "-created_at" : `-${column.sort}`;
  return (
    <span
      role="columnheader"
      aria-sort={desc ? "descending" : asc ? "ascending" : "none"}
      class={column.numeric ? "th th-num" : "th"}
      data-column={column.id}
    >
      <button
        type="button"
        class="btn-plain th-btn"
        title={`${full}: click to sort`}
        onClick={() => onSort(next)}
        aria-label={`Sort by ${column.part ? `${column.part} ` : ""}${column.label}`}
      >
        {column.part && (
          <span class={`th-part tag-${column.part}`} aria-hidden="true">
            {column.part === "config" ? "C" : "S"}
          </span>
        )}
        <HeaderLabel label={column.label} />
        <span class="sort-mark" aria-hidden="true">
          {desc ? "↓" : asc ? "↑" : ""}
        </span>
      </button>
      {handle}
    </span>
  );
}
