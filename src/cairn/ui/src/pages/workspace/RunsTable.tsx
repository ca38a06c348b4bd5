/** The runs table: virtualised rows (a thousand runs cost a screenful of DOM), fetched a
 * page at a time as it scrolls; sortable, resizable headers; a selection checkbox and an
 * eye toggle (shown in charts) per run, pinned with the name while the table scrolls
 * sideways; optional group rows that open to their runs. */
import { useEffect, useState } from "preact/hooks";
import type { Run } from "../../api/types";
import { useVirtualRows } from "../../lib/useVirtualRows";
import { groupColor, type Group } from "./chartRuns";
import type { RunRows } from "./runRows";
import type { Column } from "./tableColumns";
import { TableHeader } from "./TableHeader";
import { GroupRow, LoadingRow, RunRow } from "./TableRows";

export { columnsFor } from "./tableColumns";

const ROW_HEIGHT = 34;
const FIXED_WIDTH = 68; // the checkbox and eye columns

type Item = { kind: "run"; run: Run | undefined } | { kind: "group"; group: Group; open: boolean };

interface Props {
  rows: RunRows;
  groups: Group[] | null;
  columns: Column[];
  order: string;
  selected: readonly string[];
  chartShown: ReadonlySet<string>;
  onSort: (order: string) => void;
  onSelect: (ids: string[]) => void;
  onToggleChart: (id: string, shown: boolean) => void;
  /** Widths the user dragged, by column id. */
  widths: Readonly<Record<string, number>>;
  onResize: (id: string, width: number | null) => void;
}

/** Grouped: group rows, each followed by its runs when open. */
function groupItems(groups: readonly Group[], open: ReadonlySet<string>): Item[] {
  const items: Item[] = [];
  for (const g of groups) {
    const isOpen = open.has(g.id);
    items.push({ kind: "group", group: g, open: isOpen });
    if (isOpen) for (const run of g.runs) items.push({ kind: "run", run });
  }
  return items;
}

export function RunsTable(props: Props) {
  const { rows, groups, columns, selected, chartShown } = props;
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const items = groups ? groupItems(groups, open) : null;
  const count = items ? items.length : rows.total;
  const { scrollRef, items: virtual, totalSize } = useVirtualRows(count, ROW_HEIGHT);
  const widthOf = (c: Column) => props.widths[c.id] ?? c.width;
  const template = `34px 34px ${columns.map((c) => `${widthOf(c)}px`).join(" ")}`;
  const width = FIXED_WIDTH + columns.reduce((w, c) => w + widthOf(c), 0);
  const first = virtual[0]?.index ?? 0;
  const last = virtual[virtual.length - 1]?.index ?? 0;
  useEffect(() => {
    if (!items && count > 0) rows.ensure(first, last + 1);
  }, [first, last, count, rows.version]);

  const sel = new Set(selected);
  const loadedIds = (groups ? groups.flatMap((g) => g.runs) : rows.loaded()).map((r) => r.id);
  const allSelected = loadedIds.length > 0 && loadedIds.every((id) => sel.has(id));
  const toggleOpen = (id: string) => {
    const next = new Set(open);
    if (!next.delete(id)) next.add(id);
    setOpen(next);
  };

  const render = (item: Item, index: number, start: number) => {
    const place = { index, start, template };
    if (item.kind === "group") {
      const g = item.group;
      return (
        <GroupRow
          key={g.id}
          {...place}
          group={g}
          color={groupColor(groups!, g)}
          open={item.open}
          shown={chartShown.has(g.id)}
          onOpen={() => toggleOpen(g.id)}
          onToggleChart={() => props.onToggleChart(g.id, chartShown.has(g.id))}
        />
      );
    }
    const run = item.run;
    if (!run) return <LoadingRow key={`loading-${index}`} {...place} />;
    return (
      <RunRow
        key={run.id}
        {...place}
        run={run}
        columns={columns}
        selected={sel.has(run.id)}
        shown={chartShown.has(run.id)}
        onSelect={() => props.onSelect(sel.has(run.id) ? selected.filter((s) => s !== run.id) : [...selected, run.id])}
        onToggleChart={() => props.onToggleChart(run.id, chartShown.has(run.id))}
      />
    );
  };

  return (
    <div class="runs-table" role="table" aria-label="Runs" aria-rowcount={count + 1}>
      <div class="table-scroll" ref={scrollRef}>
        <div style={{ width: `${width}px`, minWidth: "100%" }}>
          <TableHeader
            columns={columns}
            template={template}
            order={props.order}
            allSelected={allSelected}
            onSelectAll={() => props.onSelect(allSelected ? [] : [...new Set([...selected, ...loadedIds])])}
            onSort={props.onSort}
            widthOf={widthOf}
            onResize={props.onResize}
          />
          <div class="tbody" style={{ height: `${totalSize}px` }}>
            {virtual.map((v) => render(items ? items[v.index]! : { kind: "run", run: rows.rowAt(v.index) }, v.index, v.start))}
          </div>
        </div>
        {count === 0 && !rows.loading && <div class="empty-note">No runs match.</div>}
      </div>
    </div>
  );
}
